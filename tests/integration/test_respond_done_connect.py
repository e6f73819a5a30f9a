"""Review 8h, finding 6: after "both said yes" without both letting their address be passed on, the
respond page's confirmation said "Sie können jetzt Kontakt aufnehmen, wie in der E-Mail beschrieben"
while the email said the welcome centre puts them in touch. The page now says what the email says
when the match still needs putting in touch (lifecycle.still_to_connect); when the addresses went
out it keeps "get in touch as described in the e-mail"."""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_match_life import _introduced, _link, _verified

SHARED = {"de": "Beide Seiten haben zugestimmt. Sie können jetzt Kontakt aufnehmen, wie in der E-Mail beschrieben.",
          "en": "Both sides have accepted. You can now get in touch as described in the e-mail."}
NOT_SHARED = {"de": "Beide Seiten haben zugestimmt. Das Welcome Center bringt Sie bald in Kontakt.",
              "en": "Both sides have said yes. The welcome centre will put you in touch soon."}


async def _both_say_yes(intake_client: IntakeClient, pool: asyncpg.Pool, *, share: bool,
                        lang: str) -> tuple[uuid.UUID, str, str]:
    """The newcomer says yes, then the mentor (through the pages, as from the email's link): the
    match, the mentor's confirmation page's address and that page's main text."""
    payload = newcomer_payload()
    payload["consent"] = {"data_processing": True, "share_contact": share}
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", payload)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, mentor)
    for person in (newcomer, mentor):
        sent = await intake_client.post(f"/respond/{_link(tokens.RESPOND, match_id, person)}?lang={lang}",
                                        data={"answer": "accept"}, allow_redirects=False)
        assert sent.status == 303
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "active"
    done = sent.headers["Location"]
    return match_id, done, await _main_text(intake_client, done)


async def _main_text(intake_client: IntakeClient, path: str) -> str:
    page = await intake_client.get(path)
    assert page.status == 200
    main = re.search(r"<main\b.*?</main>", await page.text(), re.S)
    assert main
    return " ".join(re.sub(r"<[^>]+>", " ", main.group(0)).split())


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_without_the_addresses_the_page_says_the_centre_puts_them_in_touch(
    intake_client: IntakeClient, pool: asyncpg.Pool, lang: str
) -> None:
    _, _, page = await _both_say_yes(intake_client, pool, share=False, lang=lang)
    assert NOT_SHARED[lang] in page
    assert SHARED[lang] not in page


@pytest.mark.parametrize("lang", ["de", "en"])
async def test_with_the_addresses_passed_on_the_page_says_get_in_touch(
    intake_client: IntakeClient, pool: asyncpg.Pool, lang: str
) -> None:
    _, _, page = await _both_say_yes(intake_client, pool, share=True, lang=lang)
    assert SHARED[lang] in page
    assert NOT_SHARED[lang] not in page


async def test_once_the_centre_put_them_in_touch_the_page_says_get_in_touch(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """A coordinator's "They are in touch now" (lifecycle.mark_connected's audit entry) ends the
    to-do: the confirmation page, opened again, no longer says the centre will do it."""
    match_id, done, page = await _both_say_yes(intake_client, pool, share=False, lang="en")
    assert NOT_SHARED["en"] in page
    await pool.execute("INSERT INTO audit_log (action, subject_type, subject_id) VALUES ('match.connected', "
                       "'match', $1)", match_id)
    assert SHARED["en"] in await _main_text(intake_client, done)
