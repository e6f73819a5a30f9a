"""Figures for funders and coordinators: how many were helped, how fast, where."""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

from lotse.shared import matches, matches_db
from lotse.shared.reference import districts


async def collect(conn: asyncpg.Connection) -> dict[str, Any]:
    by_kind_status = await conn.fetch("SELECT kind, status, count(*) AS n FROM participants GROUP BY 1, 2")
    participants: dict[str, dict[str, int]] = {}
    for r in by_kind_status:
        participants.setdefault(r["kind"], {})[r["status"]] = r["n"]

    weekly = await conn.fetch(
        """SELECT to_char(date_trunc('week', created_at), 'IYYY-"W"IW') AS week, kind, count(*) AS n
           FROM participants WHERE created_at > now() - interval '12 weeks'
           GROUP BY 1, 2 ORDER BY 1"""
    )
    registrations_per_week: dict[str, dict[str, int]] = {}
    for r in weekly:
        registrations_per_week.setdefault(r["week"], {})[r["kind"]] = r["n"]

    waiting = await conn.fetch(
        """SELECT p.district, count(*) AS n FROM participants p
           WHERE p.kind = 'newcomer' AND p.status = 'verified'
             AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.newcomer_id = p.id
                             AND m.status = ANY($1::text[]))
           GROUP BY 1""",
        [*matches.HOLDS_CAPACITY, matches.COMPLETED],
    )
    regions: Counter[str] = Counter()
    for r in waiting:
        district = districts().get(r["district"])
        regions[district.planning_region if district else "unknown"] += r["n"]

    match_counts = {r["status"]: r["n"] for r in await conn.fetch(
        "SELECT status, count(*) AS n FROM matches GROUP BY 1")}
    median_hours = await conn.fetchval(
        """SELECT percentile_cont(0.5) WITHIN GROUP (
                  ORDER BY extract(epoch FROM m.decided_at - p.verified_at) / 3600)
           FROM matches m JOIN participants p ON p.id = m.newcomer_id
           WHERE m.decided_at IS NOT NULL AND p.verified_at IS NOT NULL
             AND m.status = ANY($1::text[])""",
        [*matches.HOLDS_CAPACITY, matches.COMPLETED],
    )
    outcomes = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE accepted) AS accepted,
                  count(*) FILTER (WHERE status = $1) AS declined,
                  count(*) FILTER (WHERE accepted AND status = ANY($2::text[])
                                   AND end_reason IS DISTINCT FROM $4) AS ended_after_acceptance
           FROM (SELECT status, end_reason, active_at IS NOT NULL OR status = ANY($3::text[]) AS accepted
                 FROM matches) m""",
        matches.DECLINED, [matches.COMPLETED, matches.CANCELLED], [matches.ACTIVE, matches.COMPLETED],
        matches.END_ERASED,
    )
    # Accepted: both said yes (active since, completed, or ended later); answered: accepted or
    # declined, so introductions still awaiting an answer, or cancelled before one, count in
    # neither. Completion is of the matches that ran and have ended, but not of those a
    # participant's erasure ended: people often erase once settled in, and that is no failed
    # match (docs/decisions.md).
    answered = outcomes["accepted"] + outcomes["declined"]
    ended = outcomes["ended_after_acceptance"]

    unmet = {r["reason_code"]: r["n"] for r in await conn.fetch(
        "SELECT reason_code, count(*) AS n FROM waitlist GROUP BY 1 ORDER BY 2 DESC")}
    load = await conn.fetch(
        """SELECT p.id, (p.profile->>'capacity')::int AS capacity,
                  count(m.id) FILTER (WHERE m.status = ANY($1::text[])) AS used
           FROM participants p LEFT JOIN matches m ON m.counterpart_id = p.id
           WHERE p.kind = 'mentor' AND p.status = 'verified' GROUP BY p.id""",
        list(matches.HOLDS_CAPACITY),
    )
    return {
        "participants": participants,
        "registrations_per_week": registrations_per_week,
        "newcomers_waiting_by_planning_region": dict(regions),
        "matches": match_counts,
        "median_hours_verification_to_approval": round(median_hours, 1) if median_hours is not None else None,
        "acceptance_rate": round(outcomes["accepted"] / answered, 3) if answered else None,
        "completion_rate": round(match_counts.get(matches.COMPLETED, 0) / ended, 3) if ended else None,
        "unmet_needs": unmet,
        "mentor_load": {
            "mentors": len(load),
            "places": sum(r["capacity"] or 0 for r in load),
            "places_taken": sum(r["used"] for r in load),
            "full": sum(1 for r in load if r["capacity"] and r["used"] >= r["capacity"]),
        },
    }


async def offer_capacity(conn: asyncpg.Connection) -> dict[str, Any]:
    """What the welcome centre reports beside the mentors' places: places in German courses still
    open for newcomers (not closed, not started, of a verified provider), free and taken, and the
    open positions of verified employers per occupation field (openings not yet taken)."""
    taken = list(matches.HOLDS_CAPACITY)
    seats = await conn.fetchrow(
        f"""SELECT coalesce(sum(greatest(c.seats - u.used, 0)), 0)::int AS free,
                  coalesce(sum(least(u.used, c.seats)), 0)::int AS taken
           FROM courses c JOIN participants p ON p.id = c.provider_id
           CROSS JOIN LATERAL (SELECT count(*) AS used FROM matches m
                               WHERE m.counterpart_id = c.id AND m.status = ANY($1::text[])) u
           WHERE p.status = 'verified' AND c.closed_at IS NULL
                 AND NOT {matches_db.course_started_sql('c.starts_on')}""", taken)
    fields = await conn.fetch(
        """SELECT s.occupation_field, sum(greatest(s.openings - u.used, 0))::int AS n
           FROM positions s JOIN participants p ON p.id = s.employer_id
           CROSS JOIN LATERAL (SELECT count(*) AS used FROM matches m
                               WHERE m.counterpart_id = s.id AND m.status = ANY($1::text[])) u
           WHERE p.status = 'verified' AND s.closed_at IS NULL
           GROUP BY 1 ORDER BY 2 DESC, 1""", taken)
    return {"course_places": {"free": seats["free"], "taken": seats["taken"]},
            "open_positions_by_field": {r["occupation_field"]: r["n"] for r in fields}}
