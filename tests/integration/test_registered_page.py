"""Review 5, finding 13: the "check your e-mail" page sends someone whose e-mail did not come to
/new-link, which sends the address check again, not through the whole form a second time."""

from __future__ import annotations

import pytest

from lotse.shared.i18n import SUPPORTED_LOCALES, translations
from tests.conftest import IntakeClient


def _in(locale: str, text: str) -> str:
    return str(translations("lotse.intake", "intake", locale).gettext(text))


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("segment", ["newcomer", "mentor", "language-provider", "employer"])
async def test_no_email_leads_to_new_link_in_the_chosen_language(
    intake_client: IntakeClient, locale: str, segment: str
) -> None:
    page = await (await intake_client.get(f"/register/{segment}/thanks?lang={locale}")).text()
    assert f'<a href="/new-link?lang={locale}">{_in(locale, "Send the e-mail again")}</a>' in page
    # The sentence before the link, not the old one that sent people through the form again (English
    # only: its translations left the catalogs, so only the new sentence can be looked for in every locale).
    assert _in(locale, "No e-mail? Look in your spam folder. If it is not there either, we will send it again:") in page
    assert "register again" not in page
    if locale != "en":
        assert _in(locale, "Send the e-mail again") != "Send the e-mail again"
