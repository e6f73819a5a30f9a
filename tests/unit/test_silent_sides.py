"""One rule for "which side is silent" (matches.silent_sides): the reminder goes to the sides that
have not answered an introduction, and the dashboard's "No answer from: …" and the digest name the
same sides, only for an introduction flagged unanswered (matches.unanswered_flag_sides)."""

from __future__ import annotations

import pytest

from lotse.shared import matches


@pytest.mark.parametrize(("answered", "silent"), [
    ((), ["newcomer", "counterpart"]),
    (("counterpart",), ["newcomer"]),
    (("newcomer",), ["counterpart"]),
    (("newcomer", "counterpart"), []),
])
def test_the_silent_sides_are_those_without_an_answer_newcomer_first(answered: tuple[str, ...],
                                                                     silent: list[str]) -> None:
    assert matches.silent_sides(answered) == silent
    assert matches.unanswered_flag_sides(matches.FLAG_UNANSWERED, matches.INTRODUCED, answered) == silent


@pytest.mark.parametrize(("flag_code", "status"), [
    (matches.FLAG_CONNECT, matches.ACTIVE),
    (None, matches.INTRODUCED),
    (matches.FLAG_UNANSWERED, matches.ACTIVE),  # both said yes since; no longer waiting for answers
    (matches.FLAG_UNANSWERED, matches.DECLINED),
])
def test_only_an_introduction_flagged_unanswered_names_a_silent_side(flag_code: str | None, status: str) -> None:
    assert matches.unanswered_flag_sides(flag_code, status, ()) == []
