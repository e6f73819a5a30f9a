"""Review 4, finding 18: the team invite says what happened, survives a reload, and the password
page's error is tied to its field."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import _link_of, csrf_of, invitation_link, login


def _status_of(page: str, email: str) -> str:
    row = re.search(rf"<td>{re.escape(email)}</td><td>[^<]*</td>\s*<td>([^<]*)</td>", page)
    assert row, f"no row for {email}"
    return row.group(1)


async def test_an_invitation_is_shown_after_a_redirect_and_a_reload_keeps_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    admin_csrf = await login(intake_client)
    posted = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite",
                                                               "email": "kollegin@review.test", "role": "coordinator"},
                                      allow_redirects=False)
    assert posted.status == 303 and posted.headers["Location"] == "/dashboard/team"  # the token is in no URL

    first = await (await intake_client.get("/dashboard/team")).text()
    link = _link_of(first)
    assert "Lotse hat diesen Link an niemanden geschickt" in first
    assert _status_of(first, "kollegin@review.test") == "Einladungslink erstellt, noch nicht benutzt"
    assert "verschickt" not in first.replace("niemanden geschickt", "")
    reloaded = await (await intake_client.get("/dashboard/team")).text()
    assert _link_of(reloaded) == link  # F5 shows the same link, and nothing is posted twice
    assert await pool.fetchval("SELECT count(*) FROM coordinators WHERE email = 'kollegin@review.test'") == 1

    member = await pool.fetchval("SELECT id FROM coordinators WHERE email = 'kollegin@review.test'")
    await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "reset", "id": str(member)})
    reset = await (await intake_client.get("/dashboard/team")).text()
    assert _link_of(reset) != link
    assert _status_of(reset, "kollegin@review.test") == \
        "Link zum Zurücksetzen des Passworts erstellt, noch nicht benutzt"

    # Once the colleague has used it, the admin's page no longer offers it.
    await pool.execute("UPDATE password_links SET used_at = now() WHERE coordinator_id = $1", member)
    after = await (await intake_client.get("/dashboard/team")).text()
    assert "/dashboard/password/" not in after


async def test_the_link_is_kept_out_of_scripts_and_gone_after_logout(intake_client: IntakeClient) -> None:
    admin_csrf = await login(intake_client)
    posted = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite",
                                                               "email": "danach@review.test", "role": "coordinator"},
                                      allow_redirects=False)
    cookie = posted.cookies["lotse_team_link"]
    assert cookie["httponly"] and cookie["path"] == "/dashboard/team" and cookie["samesite"] == "Strict"
    assert "/dashboard/password/" in await (await intake_client.get("/dashboard/team")).text()

    # Whoever logs in next at this browser is not shown the link the admin created.
    await intake_client.post("/dashboard/logout", data={"csrf": admin_csrf})
    await login(intake_client)
    assert "/dashboard/password/" not in await (await intake_client.get("/dashboard/team")).text()


async def test_the_password_error_is_tied_to_its_field(intake_client: IntakeClient) -> None:
    admin_csrf = await login(intake_client)
    link = await invitation_link(intake_client, admin_csrf, "neu2@review.test")
    token = csrf_of(await (await intake_client.get(link)).text())

    short = await (await intake_client.post(link, data={"csrf": token, "password": "short",
                                                        "repeat": "short"})).text()
    assert 'id="password-error"' in short
    assert re.search(r'<input type="password" id="password"[^>]* aria-invalid="true" '
                     r'aria-describedby="password-error"', short)
    assert 'id="repeat"' in short and not re.search(r'id="repeat"[^>]*aria-invalid', short)

    differ = await (await intake_client.post(link, data={"csrf": token, "password": "a" * 14,
                                                         "repeat": "b" * 14})).text()
    assert 'id="repeat-error"' in differ
    assert re.search(r'id="repeat"[^>]* aria-invalid="true" aria-describedby="repeat-error"', differ)
    assert not re.search(r'id="password"[^>]*aria-invalid', differ)


async def test_a_short_password_is_named_before_a_mistyped_repeat(intake_client: IntakeClient) -> None:
    # Review 13b, F7: "they differ" first, then, retyped alike, "too short" took two rounds.
    admin_csrf = await login(intake_client)
    link = await invitation_link(intake_client, admin_csrf, "neu4@review.test")
    token = csrf_of(await (await intake_client.get(link)).text())
    both = await intake_client.post(link, data={"csrf": token, "password": "short", "repeat": "shorter"})
    assert both.status == 422 and 'id="password-error"' in await both.text()
