"""Match emails sent to an address the person has since replaced: their answer and check-in links
open nothing, as the old manage links do, so whoever reads the old mailbox neither sees the other
side nor answers for the person. The refusal says where to go instead, in the person's language."""

from __future__ import annotations

import contextlib
import time
import uuid

import asyncpg
import itsdangerous
import pytest

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.test_email_change import _ask, _confirm, _confirm_link, _open_change
from tests.integration.test_match_life import _introduced, _link, _verified
from tests.integration.test_match_pages_wording import _text
from tests.integration.test_self_service import manage_link

# The refusal's two sentences in Vietnamese: sent to the previous address; the new link's page answers
# introductions and check-ins (test_manage_checkin).
PREVIOUS = "Liên kết này đã được gửi đến địa chỉ email trước đây của bạn."
ANSWER_THERE = ("Liên kết mới sẽ mở trang của bạn, nơi bạn xem các kết nối của mình, có thể trả lời "
                "các lời giới thiệu và cho chúng tôi biết mọi việc thế nào.")


def _links(newcomer: uuid.UUID, introduced: uuid.UUID, active: uuid.UUID,
           monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[str, str]:
    """The answer and check-in links; with ``monkeypatch``, signed a minute ago: those of emails
    sent before the change (tokens tell time in whole seconds)."""
    with monkeypatch.context() if monkeypatch else contextlib.nullcontext() as patch:
        if patch:
            patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 60)
        return (f"/respond/{_link(tokens.RESPOND, introduced, newcomer)}",
                f"/checkin/{_link(tokens.CHECKIN, active, newcomer)}")


async def _answer_both(intake_client: IntakeClient, respond: str, checkin: str) -> None:
    """Opens the introduction (the other side shown), accepts it, then answers the check-in."""
    opened = await intake_client.get(respond)
    assert opened.status == 200 and "Thomas Berger" in await opened.text()
    assert (await intake_client.post(respond, data={"answer": "accept"}, allow_redirects=False)).status == 303
    assert (await intake_client.get(checkin)).status == 200
    assert (await intake_client.post(checkin, data={"answer": "good"}, allow_redirects=False)).status == 303


async def _matches(intake_client: IntakeClient, pool: asyncpg.Pool, email: str) -> tuple[uuid.UUID, ...]:
    """A newcomer writing in Vietnamese with an introduction waiting for her answer (mentor Thomas
    Berger) and a running match with another mentor, due for a check-in."""
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers",
                               newcomer_payload(email=email, preferred_locale="vi"))
    introducing = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    running = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Jana Vogt"))
    introduced = await _introduced(pool, newcomer, introducing)
    active = await _introduced(pool, newcomer, running)
    await pool.execute("UPDATE matches SET status = 'active', active_at = now() WHERE id = $1", active)
    return newcomer, introduced, active


async def _change_address(intake_client: IntakeClient, pool: asyncpg.Pool, participant_id: uuid.UUID) -> None:
    """Through the manage page and the link to the new address; the change is then dated half a
    minute back, so links signed now are plainly after it (not in its second, the boundary)."""
    assert (await _ask(intake_client, manage_link(participant_id), unique_email("lan.moi"))).status == 303
    confirm = _confirm_link(participant_id, await _open_change(pool, participant_id))
    assert (await _confirm(intake_client, confirm)).status == 200
    await pool.execute("UPDATE participants SET email_changed_at = email_changed_at - interval '30 seconds' "
                       "WHERE id = $1", participant_id)


async def _answers(pool: asyncpg.Pool, match_id: uuid.UUID) -> int:
    count: int = await pool.fetchval("SELECT (SELECT count(*) FROM match_responses WHERE match_id = $1)"
                                     " + (SELECT count(*) FROM checkins WHERE match_id = $1)", match_id)
    return count


async def test_links_from_emails_to_the_old_address_are_refused_with_where_to_go_instead(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    newcomer, introduced, active = await _matches(intake_client, pool, unique_email("lan"))
    respond, checkin = _links(newcomer, introduced, active, monkeypatch)
    for link in (respond, checkin):  # open until the address changes
        assert (await intake_client.get(link)).status == 200

    await _change_address(intake_client, pool, newcomer)

    refused = [await intake_client.get(respond), await intake_client.get(checkin),
               await intake_client.get(f"{respond}/done?status=introduced&answer=accept"),
               await intake_client.get(f"{checkin}/done?answer=good"),
               await intake_client.post(respond, data={"answer": "accept"}, allow_redirects=False),
               await intake_client.post(checkin, data={"answer": "bad", "comment": "x"}, allow_redirects=False),
               await intake_client.post(f"{checkin}/rematch", allow_redirects=False)]
    for response in refused:
        page = await response.text()
        assert response.status == 400 and '<html lang="vi"' in page, (response.url, response.status)
        assert PREVIOUS in _text(page) and ANSWER_THERE in _text(page) and 'href="/new-link?lang=vi"' in page
        assert "Thomas Berger" not in page and "Jana Vogt" not in page
    assert await _answers(pool, introduced) == 0 and await _answers(pool, active) == 0
    assert await pool.fetchval("SELECT status = 'active' AND flagged_at IS NULL FROM matches WHERE id = $1", active)

    # The page a new link opens lists the introduction with its answer buttons ...
    listing = await (await intake_client.get(manage_link(newcomer))).text()
    assert f'id="match-{introduced}"' in listing and 'action="/respond/' in listing and "Thomas Berger" in listing
    # ... and links signed after the change work as before.
    await _answer_both(intake_client, *_links(newcomer, introduced, active))
    assert await _answers(pool, introduced) == 1 and await _answers(pool, active) == 1


async def test_a_manage_link_to_the_old_address_is_refused_without_the_match_sentence(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    newcomer, _introduced_id, _active = await _matches(intake_client, pool, unique_email("lan"))
    with monkeypatch.context() as patch:
        patch.setattr(itsdangerous.TimestampSigner, "get_timestamp", lambda _self: int(time.time()) - 60)
        old_manage = manage_link(newcomer)
    await _change_address(intake_client, pool, newcomer)
    refused = await intake_client.get(old_manage)
    page = _text(await refused.text())
    assert refused.status == 400 and PREVIOUS in page and ANSWER_THERE not in page


async def test_a_person_who_never_changed_their_address_answers_from_old_emails_as_before(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    newcomer, introduced, active = await _matches(intake_client, pool, unique_email("lan"))
    await _answer_both(intake_client, *_links(newcomer, introduced, active, monkeypatch))
    assert await _answers(pool, introduced) == 1 and await _answers(pool, active) == 1
