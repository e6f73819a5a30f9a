"""Both sides of a match in one join, so every list and page names who is matched with whom.

The counterpart of a match is a mentor, or a course or position; for those two the page links
the provider or employer who offers it. A match touching an erased person is shown coarsened
(see docs/decisions.md, "Erased people in the dashboard").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Final

from lotse.shared import matches, matches_db

# `FROM {FROM}` with the match as `m`; `o` is the mentor, provider or employer.
FROM: Final = """matches m JOIN participants n ON n.id = m.newcomer_id
    LEFT JOIN courses c ON m.kind = 'language_course' AND c.id = m.counterpart_id
    LEFT JOIN positions s ON m.kind = 'employer' AND s.id = m.counterpart_id
    LEFT JOIN participants o ON o.id = CASE WHEN m.kind = 'mentor' THEN m.counterpart_id
                                            ELSE coalesce(c.provider_id, s.employer_id) END"""
# course_starts_on: the course's start as its row says now, which explain tells a 'start' factor
# from (the matcher's sentence keeps the date it was written with; the provider may move it).
COLUMNS: Final = """m.newcomer_id AS newcomer_id, n.name AS newcomer_name, n.status AS newcomer_status,
    n.district AS newcomer_district, n.preferred_locale AS newcomer_locale, o.preferred_locale AS other_locale,
    o.id AS other_id, o.kind AS other_kind, o.status AS other_status,
    CASE WHEN m.kind = 'mentor' THEN o.name ELSE coalesce(o.profile->>'organisation', o.name) END AS other_name,
    coalesce(c.title, s.title) AS offer_title, coalesce(c.closed_at, s.closed_at) AS offer_closed_at,
    c.starts_on AS course_starts_on, c.late_entry_weeks AS course_late_entry_weeks,
    (n.status = 'erased' OR o.status = 'erased') IS TRUE AS touches_erased,
    n.profile->>'name_latin' AS newcomer_name_latin,
    CASE WHEN m.kind = 'mentor' THEN o.profile->>'name_latin' END AS other_name_latin"""
# A participant's offers with their size and when they were closed (a closed one still has its
# running matches, so it stays listed): a provider's courses, an employer's positions.
# started: a course past its start day and late entry, which nobody new is suggested for
# (matches_db.course_started); late_entry_weeks: how long after its start newcomers can still join.
# With what the offer is (offer_blocks: a course's level, times, format, place and childcare, a
# position's field and German level).
OFFERS: Final = f"""SELECT id, title, seats AS size, closed_at, starts_on, {matches_db.course_started_sql()} AS started,
                          'course' AS offer_kind, level, schedule, format, district, childcare,
                          late_entry_weeks, NULL AS occupation_field, NULL AS min_german_level
                   FROM courses WHERE provider_id = $1
                   UNION ALL SELECT id, title, openings, closed_at, NULL, false, 'position', NULL, NULL, NULL, NULL,
                                    NULL, NULL, occupation_field, min_german_level
                   FROM positions WHERE employer_id = $1
                   ORDER BY title"""


def taken(rows: Iterable[Mapping[str, Any]]) -> Counter[Any]:
    """Places taken per counterpart id (a mentor, course or position), from its match rows."""
    return Counter(r["counterpart_id"] for r in rows if r["status"] in matches.HOLDS_CAPACITY)
