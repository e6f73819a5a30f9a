"""The matches list's page queries (pages.MatchesList.page_sql): the flagged part, then the rest,
each read only when the page holds some of it."""

from __future__ import annotations

from lotse.intake.dashboard.pages import MatchesList

LISTED = MatchesList.of({})


def _parts(size: int, offset: int, flagged_total: int) -> list[tuple[bool, list[object]]]:
    """Each query as (of the flagged ones?, [LIMIT, OFFSET])."""
    return [("AND NOT (m.flagged_at" not in sql, args[-2:])
            for sql, args in LISTED.page_sql(size, offset, flagged_total)]


def test_a_page_of_flagged_matches_only_reads_no_rest() -> None:
    # 150 flagged: the first page is all flagged, no query of the rest with LIMIT 0.
    assert _parts(100, 0, 150) == [(True, [100, 0])]
    assert _parts(100, 0, 100) == [(True, [100, 0])]


def test_a_page_across_the_flagged_ones_reads_both_parts_and_one_after_them_the_rest_only() -> None:
    assert _parts(100, 100, 150) == [(True, [100, 100]), (False, [50, 0])]
    assert _parts(100, 0, 3) == [(True, [100, 0]), (False, [97, 0])]
    assert _parts(100, 200, 150) == [(False, [100, 50])]
    assert _parts(100, 0, 0) == [(False, [100, 0])]


def test_only_flagged_reads_no_rest() -> None:
    flagged = MatchesList.of({"flagged": "1"})
    assert len(flagged.page_sql(100, 0, 3)) == 1
    assert flagged.page_sql(100, 100, 3) == []
