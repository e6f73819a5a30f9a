"""The respond page asks what the match is about (review 8b, finding 6): a newcomer introduced to a
course or a job is not asked "Would you like to meet?", nor told that a reason helps suggest
"someone" better; a course provider is asked about a place in its course. A mentor's pair still
meets."""

from __future__ import annotations

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.test_match_life import _link
from tests.integration.test_match_pages_wording import _introduced_of_kind, _text


@pytest.mark.parametrize(("kind", "newcomer_asked", "hint", "counterpart_asked"), [
    ("mentor", "Would you like to meet?", "suggest someone better", "Would you like to meet?"),
    ("language_course", "Would you like to take this course?", "suggest a better course",
     "Would you like to offer this newcomer a place in your course?"),
    ("employer", "Are you interested in this position?", "suggest a better job", "Would you like to meet?"),
])
async def test_the_question_fits_the_match(intake_client: IntakeClient, pool: asyncpg.Pool, kind: str,
                                           newcomer_asked: str, hint: str, counterpart_asked: str) -> None:
    match_id, newcomer, other = await _introduced_of_kind(intake_client, pool, kind)
    link = f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}?lang=en"
    page = _text(await (await intake_client.get(link)).text())
    assert newcomer_asked in page and hint in page
    if kind != "mentor":
        assert "Would you like to meet?" not in page and "someone better" not in page
    # The error summary names the question as the page asks it.
    sent = _text(await (await intake_client.post(link, data={})).text())
    assert f"{newcomer_asked}: Please choose: accept or decline." in sent
    theirs = _text(await (await intake_client.get(
        f"/respond/{_link(tokens.RESPOND, match_id, other)}?lang=en")).text())
    assert counterpart_asked in theirs


async def test_the_question_is_translated(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    match_id, newcomer, _ = await _introduced_of_kind(intake_client, pool, "language_course")
    link = f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}?lang=vi"
    page = _text(await (await intake_client.get(link)).text())
    assert "Bạn có muốn tham gia khóa học này không?" in page and "khóa học phù hợp hơn" in page
    assert "Bạn có muốn gặp nhau không?" not in page
