"""Pause and resume sent twice at once (a double click, two browsers, two coordinators; review 10c,
F2): the second request waits for the first and changes nothing, so the person gets one email and the
audit log holds one entry. The two requests race for real, every time: both wait for the person's row,
held by the test (row_gate), before either goes on."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.row_gate import all_waiting
from tests.integration.test_dashboard import _verified, login

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)


async def _told(pool: asyncpg.Pool, who: uuid.UUID, notification: str) -> int:
    count: int = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE type = 'notification.requested' AND payload->>'participant_id' = $1 "
        "AND payload->>'notification' = $2", str(who), notification)
    return count


async def test_a_coordinators_pause_sent_twice_at_once_is_one_pause_one_email_one_entry(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    for attempt in range(6):  # a race is a matter of timing: run it a few times
        who = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
        for action, email in (("pause", "paused_by_centre"), ("resume", "resumed_by_centre")):
            answers = await all_waiting(pool, [who], *(intake_client.post(
                f"/dashboard/participants/{who}", data={"csrf": csrf, "action": action, "paused_until": ""},
                allow_redirects=False) for _ in range(2)))
            assert [a.status for a in answers] == [303, 303], attempt
            assert await _told(pool, who, email) == 1, (attempt, action)
        entries = [r["action"] for r in await pool.fetch(
            "SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY id", who)]
        assert entries == ["participant.pause", "participant.resume"], attempt
        assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", who) == "verified"


async def test_a_persons_own_pause_sent_twice_at_once_leaves_one_entry(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    for attempt in range(6):
        who = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
        page = f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(who))}"
        answers = await all_waiting(pool, [who], *(intake_client.post(
            page, data={"action": "pause", "paused_until": ""}, allow_redirects=False) for _ in range(2)))
        assert [a.status for a in answers] == [303, 303], attempt
        assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1 "
                                   "AND action = 'participant.pause_own'", who) == 1, attempt
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.updated' "
                                   "AND payload->>'participant_id' = $1", str(who)) == 1, attempt


def _locking_statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements that lock a person's row from now on (they still run on the real database; the
    outbox relay's own locks are not counted)."""
    locked: list[str] = []

    def spying(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        async def spied(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            if "FROM participants" in query and "FOR UPDATE" in query:
                locked.append(query)
            return await run(self, query, *args, **kwargs)
        return spied

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        monkeypatch.setattr(asyncpg.connection.Connection, name, spying(getattr(asyncpg.connection.Connection, name)))
    return locked


async def test_a_pause_reads_the_persons_row_locked_once(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is taken by the read the audit entry's "before" comes from; set_paused works on that
    row rather than reading it locked a second time."""
    csrf = await login(intake_client)
    who = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    locked = _locking_statements(monkeypatch)
    posts: list[tuple[str, dict[str, str]]] = [
        (f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(who))}", {"action": "pause", "paused_until": ""}),
        (f"/dashboard/participants/{who}", {"csrf": csrf, "action": "resume", "paused_until": ""}),
    ]
    for path, form in posts:
        locked.clear()
        answer = await intake_client.post(path, data=form, allow_redirects=False)
        assert answer.status == 303, path
        assert len(locked) == 1, (path, locked)
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", who) == "verified"


async def test_a_consent_given_on_the_manage_page_locks_and_reads_the_row_in_one_statement(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    who = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    locked = _locking_statements(monkeypatch)
    page = f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(who))}"
    answer = await intake_client.post(page, data={"action": "share"}, allow_redirects=False)
    assert answer.status == 303
    [lock] = locked  # the read the "is this yes new?" decision uses takes the lock itself
    assert "shares_contact" in lock, lock
    assert await pool.fetchval("SELECT given FROM consents WHERE participant_id = $1 AND purpose = 'share_contact' "
                               "ORDER BY recorded_at DESC, id DESC LIMIT 1", who) is True
