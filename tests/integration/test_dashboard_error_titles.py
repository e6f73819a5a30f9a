"""Every dashboard page that shows a refused submission says so first in its <title> ("Fehler: …"),
as the public forms' page_title and the participant page's pause form do, and its message takes
focus on load (autofocus on the summary, tabindex=-1), as the public forms' error summary does:
team invitation, the one-time password link, the own password change, the login and the
participants list's day filters. A page without a refusal keeps its plain title."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.test_dashboard import csrf_of, invitation_link, login
from tests.integration.test_dashboard_said_plainly import _title


def _focused(page: str) -> str:
    """The one element that takes focus on load, and must be focusable by script (tabindex=-1)."""
    main = page[page.index("<main"):]
    found: list[str] = re.findall(r"<[a-z]+ [^>]*\bautofocus\b[^>]*>", main)
    assert len(found) == 1, found
    assert 'tabindex="-1"' in found[0] or found[0].startswith(("<input", "<select", "<textarea")), found[0]
    return found[0]


async def test_a_refused_invitation_says_so_in_the_title_and_keeps_the_address(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    assert _title(await (await intake_client.get("/dashboard/team")).text()) == "Team – Lotse"
    for email, status in (("keine-adresse", 422), (COORDINATOR_EMAIL, 409)):
        refused = await intake_client.post("/dashboard/team", data={"csrf": csrf, "action": "invite",
                                                                    "email": email, "role": "admin"})
        assert refused.status == status, email
        page = await refused.text()
        assert _title(page) == "Fehler: Team – Lotse", email
        assert 'class="error-summary"' in _focused(page)
        field = re.search(r'<input type="email" id="invite-email"[^>]*>', page)
        assert field and f'value="{email}"' in field[0] and 'aria-invalid="true"' in field[0], page
        assert re.search(r'<option value="admin" selected>', page)
    done = await intake_client.post("/dashboard/team", data={"csrf": csrf, "action": "invite",
                                                             "email": "neu@titel.test", "role": "coordinator"})
    assert done.status == 200  # after the redirect
    assert _title(await done.text()) == "Team – Lotse"


async def test_a_refused_password_on_the_one_time_link_says_so_in_the_title(intake_client: IntakeClient) -> None:
    link = await invitation_link(intake_client, await login(intake_client), "titel@review.test")
    form = await (await intake_client.get(link)).text()
    assert _title(form) == "Passwort festlegen – Lotse"
    token = csrf_of(form)
    for password, repeat, wrong in (("short", "short", "password"), ("a" * 14, "b" * 14, "repeat")):
        refused = await intake_client.post(link, data={"csrf": token, "password": password, "repeat": repeat})
        assert refused.status == 422
        page = await refused.text()
        assert _title(page) == "Fehler: Passwort festlegen – Lotse"
        assert f'id="{wrong}-error"' in _focused(page)
    done = await intake_client.post(link, data={"csrf": token, "password": "a" * 14, "repeat": "a" * 14})
    assert done.status == 200 and "/dashboard/login" in str(done.url)
    assert not _title(await done.text()).startswith("Fehler")
    # The link is used: sending it again is refused, and the title says so too.
    again = await intake_client.post(link, data={"csrf": token, "password": "a" * 14, "repeat": "a" * 14})
    assert again.status == 410
    page = await again.text()
    assert _title(page) == "Fehler: Passwort festlegen – Lotse"
    assert 'class="error-summary"' in _focused(page)


async def test_a_refused_change_of_the_own_password_says_so_in_the_title(intake_client: IntakeClient) -> None:
    await login(intake_client)
    form = await (await intake_client.get("/dashboard/account/password")).text()
    assert _title(form) == "Passwort ändern – Lotse"
    refused = await intake_client.post("/dashboard/account/password",
                                       data={"csrf": csrf_of(form), "current": "not the password",
                                             "password": "short", "repeat": "short"})
    assert refused.status == 422
    page = await refused.text()
    assert _title(page) == "Fehler: Passwort ändern – Lotse"
    assert 'id="error-summary"' in _focused(page)


async def test_a_refused_login_says_so_in_the_title(intake_client: IntakeClient) -> None:
    form = await (await intake_client.get("/dashboard/login")).text()
    assert _title(form) == "Anmelden – Lotse"
    refused = await intake_client.post("/dashboard/login", data={"csrf": csrf_of(form), "email": COORDINATOR_EMAIL,
                                                                 "password": "not " + COORDINATOR_PASSWORD,
                                                                 "next": "/dashboard"})
    assert refused.status == 401
    page = await refused.text()
    assert _title(page) == "Fehler: Anmelden – Lotse"
    assert 'class="error-summary"' in _focused(page)
    await login(intake_client)  # the right password still lands on the queue


async def test_a_day_filter_that_cannot_filter_says_so_in_the_title(intake_client: IntakeClient) -> None:
    await login(intake_client)
    good = await (await intake_client.get("/dashboard/participants", params={"no_suggestion_days": "3"})).text()
    assert _title(good) == "Teilnehmende – Lotse"
    wrong = await (await intake_client.get("/dashboard/participants", params={"min_days": "abc"})).text()
    assert _title(wrong) == "Fehler: Teilnehmende – Lotse"
    assert 'id="min_days"' in _focused(wrong)
