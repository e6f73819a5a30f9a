"""The newcomer form reads children's ages as a Chinese or Vietnamese phone types them, and says
how to write them when it cannot (review 8b, finding 3)."""

from __future__ import annotations

import html
import re

import asyncpg
import pytest

from lotse.intake.web import messages
from lotse.shared.i18n import SUPPORTED_LOCALES, translations
from tests.conftest import IntakeClient
from tests.integration.test_web_forms import NEWCOMER_FORM


async def test_a_full_width_comma_registers(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    form = {**NEWCOMER_FORM, "email": "wang.ages@example.org", "preferred_locale": "zh", "children_ages": "3岁，8岁"}
    done = await intake_client.post("/register/newcomer?lang=zh", data=form, allow_redirects=False)
    assert done.status == 303
    profile = await pool.fetchval("SELECT profile FROM participants WHERE email = 'wang.ages@example.org'")
    assert profile["household"]["children_ages"] == [3, 8]


async def test_ages_it_cannot_read_are_explained(intake_client: IntakeClient) -> None:
    form = {**NEWCOMER_FORM, "email": "wang.words@example.org", "children_ages": "三和八"}
    refused = await intake_client.post("/register/newcomer?lang=zh", data=form)
    assert refused.status == 422
    page = await refused.text()
    assert "请用 0 到 17 之间的数字填写每个孩子的周岁年龄，用逗号分隔，例如：4, 9。" in page
    assert 'id="children_ages-error"' in page


@pytest.mark.parametrize("typed", ["3, abc", "40", "-1"])
@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_an_age_the_form_cannot_take_is_answered_with_what_to_type(
    intake_client: IntakeClient, pool: asyncpg.Pool, locale: str, typed: str
) -> None:
    """Review L5b: "40" was answered "Must be a whole number between 0 and 17.", and "-1" and
    "3, abc" registered as 1 and 3. Each is refused with one sentence in the page's language."""
    email = f"ages.{locale}.{typed.encode().hex()}@example.org"
    form = {**NEWCOMER_FORM, "email": email, "preferred_locale": locale, "children_ages": typed}
    refused = await intake_client.post(f"/register/newcomer?lang={locale}", data=form)
    assert refused.status == 422
    said = translations("lotse.intake", "intake", locale).gettext(messages.CHILDREN_AGES) % {"min": 0, "max": 17}
    error = re.search(r'id="children_ages-error"[^>]*>(.*?)</', await refused.text(), re.S)
    assert error and html.unescape(error[1]).strip().endswith(said), (locale, error)
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", email) == 0
