"""The audit log as the dashboard lists it: each entry with who or what it is about, by name.

audit.py keeps what intake as a whole needs (writing entries, reading them bare); the joins that
name an entry's subject read the dashboard's own views of matches (sides.py), so they live here.
"""

from __future__ import annotations

from typing import Any, Final

import asyncpg

from lotse.intake import audit
from lotse.intake.dashboard import sides

# One left join per subject type, each matching only entries of its type, so a page of entries is
# one query whatever they are about. Columns, null where they do not apply:
# - match: `match_id` and sides.COLUMNS (both sides of the match);
# - participant: `person_*` (the participant, named as the participants list does, with the locale
#   and own name_latin its Latin spelling is written from);
# - course, position: `subject_title`, and `person_*` for its provider or employer (organisation);
# - coordinator: `subject_email`; round: `round_requested_at`.
# An entry whose subject row is gone has none of them; the page then shows its id.
_SUBJECTS: Final = f"""
    LEFT JOIN LATERAL (SELECT m.id AS match_id, {sides.COLUMNS} FROM {sides.FROM}
                       WHERE a.subject_type = 'match' AND m.id = a.subject_id) x ON true
    LEFT JOIN courses sc ON a.subject_type = 'course' AND sc.id = a.subject_id
    LEFT JOIN positions sp ON a.subject_type = 'position' AND sp.id = a.subject_id
    LEFT JOIN participants p ON p.id = CASE WHEN a.subject_type = 'participant' THEN a.subject_id
                                            ELSE coalesce(sc.provider_id, sp.employer_id) END
    LEFT JOIN coordinators t ON a.subject_type = 'coordinator' AND t.id = a.subject_id
    LEFT JOIN rounds r ON a.subject_type = 'round' AND r.id = a.subject_id"""
_COLUMNS: Final = """x.*, coalesce(sc.title, sp.title) AS subject_title,
    p.id AS person_id, p.kind AS person_kind, p.status AS person_status,
    CASE WHEN a.subject_type = 'participant' THEN p.name ELSE coalesce(p.profile->>'organisation', p.name) END
        AS person_name, p.preferred_locale AS person_locale, p.profile->>'name_latin' AS person_name_latin,
    t.email AS subject_email, r.requested_at AS round_requested_at"""


async def entries(conn: asyncpg.Connection, **filters: Any) -> list[asyncpg.Record]:
    """audit.entries (its filters and paging, same order) with each entry's subject named (see _SUBJECTS)."""
    return await audit.entries(conn, **filters, columns=_COLUMNS, joins=_SUBJECTS)
