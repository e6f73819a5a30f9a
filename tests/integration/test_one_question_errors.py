"""The respond, check-in and erase pages after a post that left their one question open say so as
the register and manage forms do (review 8b, finding 4): "Error:" first in the title, a summary
that takes focus on load (autofocus, no JavaScript), and the controls described by the message
and marked invalid. Before, the title was unchanged, focus stayed on the body and the radios had
no description, so a screen reader heard the same page again."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_match_life import _active_check_in, _introduced, _link, _verified
from tests.integration.test_register_form_markup import parse
from tests.integration.test_self_service import manage_link


def _title(html: str) -> str:
    found = re.search(r"<title>(.*?)</title>", html, re.S)
    assert found
    return " ".join(found.group(1).split())


def _assert_announced(html: str, title: str, summary_link: str, controls: list[str], error: str) -> None:
    elements = parse(html).by_id
    assert _title(html).startswith(f"Error: {title}"), _title(html)
    summary = elements["error-summary"]
    assert "autofocus" in summary and summary.get("tabindex") == "-1"
    assert f'href="#{summary_link}"' in html[html.index('id="error-summary"'):]
    assert error in elements
    for control in controls:
        assert elements[control].get("aria-invalid") == "true", control
        assert error in (elements[control].get("aria-describedby") or "").split(), control


async def _pair(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    return newcomer, mentor


async def test_an_answer_left_out_on_the_respond_page(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    newcomer, mentor = await _pair(intake_client, pool)
    link = f"/respond/{_link(tokens.RESPOND, await _introduced(pool, newcomer, mentor), newcomer)}?lang=en"
    fresh = await (await intake_client.get(link)).text()
    assert _title(fresh).startswith("Your introduction") and "error-summary" not in fresh
    assert "aria-invalid" not in fresh
    posted = await intake_client.post(link, data={"reason": ""})
    assert posted.status == 422
    _assert_announced(await posted.text(), "Your introduction", "answer-accept",
                      ["answer-accept", "answer-decline"], "answer-error")


async def test_an_answer_left_out_on_the_check_in_page(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    newcomer, mentor = await _pair(intake_client, pool)
    _, link = await _active_check_in(pool, newcomer, mentor)
    posted = await intake_client.post(f"{link}?lang=en", data={"comment": ""})
    assert posted.status == 422
    _assert_announced(await posted.text(), "How is it going?", "checkin-good",
                      ["checkin-good", "checkin-unsure", "checkin-bad"], "answer-error")
    # The manage page's own check-in forms are not marked by it.
    listing = await (await intake_client.get(f"{manage_link(newcomer)}?lang=en")).text()
    assert "answer-error" not in listing


async def test_the_erasure_box_left_unticked(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    newcomer, _ = await _pair(intake_client, pool)
    link = f"{manage_link(newcomer)}/erase?lang=en"
    assert "error-summary" not in await (await intake_client.get(link)).text()
    posted = await intake_client.post(link, data={})
    assert posted.status == 422
    _assert_announced(await posted.text(), "Withdraw and delete my data", "confirm", ["confirm"], "confirm-error")
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", newcomer) != "erased"
