"""Review 6, finding 5: the audit page and a participant's Protokoll read the e-mail-change entries as
words, offer them in the action filter, and say who did it where: the new address is confirmed with
the link in the new mailbox, and a consent to share contact details is one side's."""

from __future__ import annotations

import html
import re

import asyncpg

from lotse.intake import audit
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified
from tests.integration.test_dashboard_sides import login

EMAIL_CHANGE = ("participant.email_change_requested", "participant.email_change_cancelled",
                "participant.email_changed")
LABELS = {
    "de": ("hat eine neue E-Mail-Adresse angefragt", "hat die Änderung der E-Mail-Adresse zurückgenommen",
           "hat die neue E-Mail-Adresse bestätigt"),
    "en": ("asked for a new e-mail address", "withdrew the change of e-mail address",
           "confirmed the new e-mail address"),
}
SHARED = {"de": "hat der Weitergabe der Kontaktdaten zugestimmt: beide Seiten bekommen die Adresse der anderen",
          "en": "agreed to share contact details: both sides are sent each other's address"}
WHO = {
    "de": {"manage": "die Person selbst, auf ihrer Verwaltungsseite",
           "link": "die Person selbst, mit dem Link an ihre neue Adresse",
           "newcomer": "die Person selbst (Neu angekommen), auf ihrer Verwaltungsseite",
           "mentor": "die Person selbst (Mentor/in), auf ihrer Verwaltungsseite"},
    "en": {"manage": "the participant, on their manage page",
           "link": "the participant, with the link sent to their new address",
           "newcomer": "the participant (Newcomer), on their manage page",
           "mentor": "the participant (Mentor), on their manage page"},
}


def _rows(page: str) -> list[tuple[str, str]]:
    """(who, action) of each entry of the audit page, as read."""
    cells = re.findall(r"<tr><td>.*?</td><td>(.*?)</td><td>(.*?)</td>", page)
    return [(html.unescape(who), html.unescape(action)) for who, action in cells]


async def test_email_change_and_contact_sharing_entries_read_as_words(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Lan Nguyen"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Renate Albrecht"))
    match = await _suggest(pool, newcomer, mentor)
    async with pool.acquire() as conn:
        for action in EMAIL_CHANGE:
            await audit.record_by_participant(conn, newcomer, action, "participant", newcomer)
        for side in (mentor, newcomer):
            await audit.record_by_participant(conn, side, "match.contact_shared", "match", match)
    await login(intake_client, pool)

    for lang in ("de", "en"):
        page = await (await intake_client.get("/dashboard/audit", params={"lang": lang})).text()
        requested, cancelled, changed = LABELS[lang]
        who = WHO[lang]
        shared = SHARED[lang]
        assert _rows(page) == [  # newest first
            (f"– ({who['newcomer']})", shared), (f"– ({who['mentor']})", shared),
            (f"– ({who['link']})", changed), (f"– ({who['manage']})", cancelled), (f"– ({who['manage']})", requested),
        ]
        start = page.index('<select id="action"')
        options = html.unescape(page[start:page.index("</select>", start)])
        for action, label in zip(EMAIL_CHANGE, LABELS[lang], strict=True):
            assert f'<option value="{action}">{label}</option>' in options
        assert '<option value="match.contact_shared">' in options

        filtered = await (await intake_client.get("/dashboard/audit",
                                                  params={"lang": lang, "action": "participant.email_changed"})).text()
        assert [action for _, action in _rows(filtered)] == [changed]

        person = html.unescape(await (await intake_client.get(f"/dashboard/participants/{newcomer}",
                                                              params={"lang": lang})).text())
        assert all(label in person for label in LABELS[lang]), "the Protokoll names each change"
        assert ">participant.email" not in person and ": participant.email" not in person
