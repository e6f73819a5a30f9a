"""The dashboard's password and invitation forms are answered by the server's own error summary,
in the page's language and title, not by the browser's passing "please fill out this field" bubble
in the browser's language (review 13, F4): they carry `novalidate`, as the public forms do."""

from __future__ import annotations

import re

import asyncpg

from lotse.intake.login_throttle import LOGIN_FAILURES_PER_DEVICE
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import csrf_of, invitation_link, login


def form_tag(page: str, inside: str) -> str:
    """The opening tag of the form that holds ``inside``."""
    for form in re.finditer(r"(<form [^>]*>)(.*?)</form>", page, re.DOTALL):
        if inside in form.group(2):
            return form.group(1)
    raise AssertionError(f"no form with {inside}")


async def test_an_empty_password_change_is_named_in_the_summary_and_is_no_login_attempt(
        intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    page = await (await intake_client.get("/dashboard/account/password")).text()
    assert "novalidate" in form_tag(page, 'name="current"')
    for _ in range(LOGIN_FAILURES_PER_DEVICE + 1):  # more than a login allows, none of them counted
        empty = await intake_client.post("/dashboard/account/password", data={
            "csrf": csrf_of(page), "current": "", "password": "", "repeat": ""})
        assert empty.status == 422
    text = await empty.text()
    assert re.search(r"<title>Fehler: ", text)
    assert '<a href="#current">Aktuelles Passwort: Bitte geben Sie Ihr aktuelles Passwort ein.</a>' in text
    assert "#password" in text and 'id="error-summary"' in text


async def test_the_invitation_and_the_password_link_forms_leave_checking_to_the_server(
        intake_client: IntakeClient) -> None:
    admin_csrf = await login(intake_client)
    team = await (await intake_client.get("/dashboard/team")).text()
    assert "novalidate" in form_tag(team, 'value="invite"')  # the invitation, not a row's form
    empty = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite", "email": "",
                                                              "role": "coordinator"})
    assert empty.status == 422 and 'id="error-summary"' in await empty.text()

    link = await invitation_link(intake_client, admin_csrf, "neu3@review.test")
    form = await (await intake_client.get(link)).text()
    assert "novalidate" in form_tag(form, 'name="repeat"')
    refused = await intake_client.post(link, data={"csrf": csrf_of(form), "password": "", "repeat": ""})
    assert refused.status == 422 and 'id="password-error"' in await refused.text()
