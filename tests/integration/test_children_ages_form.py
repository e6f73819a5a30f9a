"""The newcomer form reads children's ages as a Chinese or Vietnamese phone types them, and says
how to write them when it cannot (review 8b, finding 3)."""

from __future__ import annotations

import asyncpg

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
    html = await refused.text()
    assert "请用数字填写每个孩子的年龄，用逗号分隔，例如：4, 9。" in html and 'id="children_ages-error"' in html
