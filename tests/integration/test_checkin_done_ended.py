"""The check-in's thank-you page opened again after the match ended (the re-match it offered was
taken, or the other side ended it): after "not a good fit" it says the match has ended, as it does
after an organisation's "did not come about", not "Good to hear from you"."""

from __future__ import annotations

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_match, add_participant, add_position
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text

ENDED = "This match has ended. Nothing more to do here."


@pytest.mark.parametrize(("kind", "side", "answer"), [("mentor", "newcomer", "bad"),
                                                      ("employer", "counterpart", "not_hired")])
async def test_the_thanks_for_an_answer_that_offers_to_end_says_an_ended_match_has_ended(
    intake_client: IntakeClient, pool: asyncpg.Pool, kind: str, side: str, answer: str
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Lan Nguyen", locale="en")
    if kind == "mentor":
        other = await add_participant(pool, "mentor", name="Thomas Berger", locale="en")
        counterpart_id, owner = other.id, other.id
    else:
        other = await add_participant(pool, "employer", name="Katrin Böhme", locale="en",
                                      profile={"organisation": "Hofwiesenpark"})
        counterpart_id, owner = await add_position(pool, other, title="Pflegehelfer/in"), other.id
    match_id = await add_match(pool, kind, newcomer, counterpart_id, status="cancelled",
                               end_reason="rematch_requested", ended_by_side=side)
    reader = newcomer.id if side == "newcomer" else owner
    page = _text(await (await intake_client.get(
        f"/checkin/{_link(tokens.CHECKIN, match_id, reader)}/done?answer={answer}&lang=en")).text())
    assert ENDED in page
    assert "Good to hear from you" not in page and "end this match" not in page
