"""The accessibility statement covers the dashboard too, so every dashboard page links to it in the
coordinator's language (BITV 2.0 § 7), the login page as well."""

from __future__ import annotations

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login


async def test_each_dashboard_page_links_to_the_statement_in_its_language(intake_client: IntakeClient) -> None:
    login_page = await (await intake_client.get("/dashboard/login")).text()
    assert '<a href="/accessibility?lang=de">Erklärung zur Barrierefreiheit</a>' in login_page
    await login(intake_client)
    for path in ("/dashboard", "/dashboard/stats", "/dashboard/matches?lang=en"):
        page = await (await intake_client.get(path)).text()
        expected = ('<a href="/accessibility?lang=en">Accessibility statement</a>' if "lang=en" in path
                    else '<a href="/accessibility?lang=de">Erklärung zur Barrierefreiheit</a>')
        assert expected in page, path
    statement = await intake_client.get("/accessibility?lang=de")
    assert statement.status == 200 and "Erklärung zur Barrierefreiheit" in await statement.text()
