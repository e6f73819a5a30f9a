"""Review 8c, finding 11a: the emails named a Ukrainian newcomer "Оксана Мельник (Oksana Melnyk)" to
the employer, the respond page and the manage page only "Оксана Мельник": a German reader who cannot
read Cyrillic lost the name on the page. The public pages (respond, confirm, thanks, check-in, the
manage page's match cards) now name a person as the emails do, by the page's language
(name_search.with_latin); and the mentor's page called her "Neu angekommen" where the email said
"Neu in Thüringen"."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload
from tests.integration.test_match_life import SIGNER, _introduced, _link, _verified
from tests.integration.test_match_pages_wording import _text

OKSANA = "Оксана Мельник"
BOTH = "Оксана Мельник (Oksana Melnyk)"


async def _pages(client: IntakeClient, match_id: uuid.UUID, reader: uuid.UUID, lang: str) -> dict[str, str]:
    """Each public page that names the other side, as `reader` reads it in `lang`."""
    respond = f"/respond/{_link(tokens.RESPOND, match_id, reader)}"
    checkin = f"/checkin/{_link(tokens.CHECKIN, match_id, reader)}"
    manage = f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(reader))}"
    paths = {"respond": respond, "confirm": f"{respond}?answer=accept", "done": f"{respond}/done?answer=accept",
             "checkin": checkin, "manage": manage}
    pages = {}
    for page, path in paths.items():
        got = await client.get(path, params={"lang": lang})
        assert got.status == 200, (page, got.status)
        pages[page] = _text(await got.text())
    return pages


@pytest.mark.parametrize("kind", ["employer", "mentor"])
async def test_a_cyrillic_newcomer_is_named_in_latin_too_to_a_latin_reader(
    intake_client: IntakeClient, pool: asyncpg.Pool, kind: str
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers",
                               newcomer_payload(name=OKSANA, preferred_locale="uk"))
    if kind == "employer":
        owner = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
        counterpart = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", owner)
    else:
        owner = counterpart = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, counterpart, kind)
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = $1", match_id)

    german = await _pages(intake_client, match_id, owner, "de")
    for page, text in german.items():
        # The emails' heading line, word for word ("Neu in Thüringen", the Ukrainian system's "Melnyk").
        assert f"Neu in Thüringen: {BOTH}" in text, page
        assert "Neu angekommen" not in text, page
    # A reader of Cyrillic reads the name as it is, without a transliteration.
    ukrainian = await _pages(intake_client, match_id, owner, "uk")
    for page, text in ukrainian.items():
        assert OKSANA in text and "Oksana" not in text, page


async def test_a_cyrillic_mentor_is_named_in_latin_too_to_the_newcomer(intake_client: IntakeClient,
                                                                       pool: asyncpg.Pool) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(preferred_locale="de"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Олена Коваленко"))
    match_id = await _introduced(pool, newcomer, mentor)
    english = await _pages(intake_client, match_id, newcomer, "en")
    for page, text in english.items():
        assert "Your mentor: Олена Коваленко (Olena Kovalenko)" in text, page
    assert "Коваленко (" not in (await _pages(intake_client, match_id, newcomer, "ru"))["respond"]
