"""Review 10c, F5: an admin acts as an admin only while still one when the action commits. Two admins
deactivating each other at once left no active admin; now one of them is refused."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from lotse.intake import team
from lotse.intake.accounts import Coordinator, create_coordinator
from tests.conftest import COORDINATOR_EMAIL, IntakeClient
from tests.integration import row_gate
from tests.integration.test_dashboard import login


async def _admin(pool: asyncpg.Pool, email: str) -> Coordinator:
    async with pool.acquire() as conn:
        return Coordinator(await create_coordinator(conn, email, "a long enough password", "admin"), email, "admin")


async def _deactivating(pool: asyncpg.Pool, admin: Coordinator, colleague: uuid.UUID) -> str:
    """What came of ``admin`` deactivating ``colleague``: "done", or the refusal's code."""
    async with pool.acquire() as conn:
        try:
            await team.set_active(conn, admin, colleague, False)
        except team.TeamError as refused:
            return refused.code
    return "done"


async def test_two_admins_deactivating_each_other_at_once_leave_one_admin(pool: asyncpg.Pool) -> None:
    anna, ben = await _admin(pool, "anna@welcome.example"), await _admin(pool, "ben@welcome.example")
    outcomes = await row_gate.all_waiting(pool, [anna.id, ben.id], _deactivating(pool, anna, ben.id),
                                          _deactivating(pool, ben, anna.id), table="coordinators")
    assert sorted(outcomes) == ["done", "not_admin"]
    active = await pool.fetchval("SELECT count(*) FROM coordinators WHERE id = ANY($1::uuid[]) AND active",
                                 [anna.id, ben.id])
    assert active == 1
    deactivated = await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'coordinator.deactivated'")
    assert deactivated == 1  # the refused one is not audited as done


async def test_an_admin_made_a_coordinator_meanwhile_neither_invites_nor_resets(pool: asyncpg.Pool) -> None:
    anna, ben = await _admin(pool, "anna@welcome.example"), await _admin(pool, "ben@welcome.example")
    await pool.execute("UPDATE coordinators SET role = 'coordinator' WHERE id = $1", anna.id)
    async with pool.acquire() as conn:
        for action in (team.invite(conn, anna, "carla@welcome.example", "admin"),
                       team.reset_password(conn, anna, ben.id)):
            try:
                await action
            except team.TeamError as refused:
                assert refused.code == "not_admin"
            else:
                raise AssertionError("a former admin acted as one")
    assert await pool.fetchval("SELECT count(*) FROM coordinators WHERE email = 'carla@welcome.example'") == 0
    assert await pool.fetchval("SELECT count(*) FROM password_links WHERE coordinator_id = $1", ben.id) == 0


async def test_the_team_page_says_why_when_the_admin_was_deactivated_during_the_request(
        intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """The request is let in while its admin is active; another admin's deactivation commits while it
    waits for the rows: 403 and a sentence, not a deactivation by an account that no longer may."""
    csrf = await login(intake_client)
    me = await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", COORDINATOR_EMAIL)
    ben = await _admin(pool, "ben@welcome.example")
    async with pool.acquire() as gate:
        async with gate.transaction():
            await gate.execute("SELECT 1 FROM coordinators WHERE id = ANY($1::uuid[]) FOR UPDATE", [me, ben.id])
            request = intake_client.post("/dashboard/team", data={"csrf": csrf, "action": "deactivate",
                                                                  "id": str(ben.id)}, allow_redirects=False)
            answer = asyncio.ensure_future(request)
            assert await row_gate.until_waiting(pool, 1)
            await gate.execute("UPDATE coordinators SET active = false WHERE id = $1", me)
        response = await answer
    assert response.status == 403
    assert "kein aktives Admin-Konto mehr" in await response.text()  # the dashboard speaks German first
    assert await pool.fetchval("SELECT active FROM coordinators WHERE id = $1", ben.id) is True
