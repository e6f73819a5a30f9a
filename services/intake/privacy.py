"""Data-protection rights: export everything stored about a person, and erase it.

Erasure keeps the rows that statistics need (kind, district, country, dates, match outcomes)
but removes everything that identifies the person: name, address, languages, free text.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

import asyncpg

from lotse.intake import audit, own_matches, participants_view, registration_versions
from lotse.shared import events, matches
from lotse.shared.matches_db import MATCH_COLUMNS, to_json
from lotse.shared.outbox import write_events

# Where each table's data about a person appears in an export (Art. 15/20), and the tables that
# hold nothing about participants. A test fails when a new table is in neither.
EXPORTED_TABLES: Final = {
    "participants": "participant", "consents": "participant", "courses": "participant",
    "positions": "participant", "matches": "matches", "match_responses": "responses", "checkins": "checkins",
    "notifications": "emails", "waitlist": "waitlist", "audit_log": "audit", "email_changes": "email_changes",
    "registration_versions": "registration_versions",
}
# Personal, but never exportable: it exists only between an erasure and its confirmation email.
TRANSIENT_TABLES: Final = frozenset({"erasure_receipts"})
# Why an erasure happened other than at the person's own request (erasure_receipts.reason, migration 0046).
ERASED_BY_CENTRE: Final = "centre"  # a coordinator's, on the dashboard or through the API
ERASED_INACTIVE: Final = "inactive"  # the storage limit for people who left (inactive.py)
NOT_ABOUT_PARTICIPANTS: Final = frozenset({
    "coordinators", "auth_sessions", "password_links", "session_ends",  # staff accounts
    "outbox", "processed_messages",  # event ids and codes only, by contract
    "matcher_models", "rounds", "schema_migrations",
})

# Profile fields kept after erasure: coarse, non-identifying, and what the statistics count.
ANONYMOUS_PROFILE_FIELDS = ("country_of_origin", "occupation_field", "arrival", "needs", "capacity")


class ParticipantGone(Exception):
    pass


def _counterparts_sql() -> str:
    # A participant is the counterpart of a match directly (mentor) or through their
    # courses and positions.
    return """SELECT id FROM courses WHERE provider_id = $1
              UNION ALL SELECT id FROM positions WHERE employer_id = $1
              UNION ALL SELECT $1"""


# The matches participant $1 is a side of. Their counterpart ids are gathered into an array first
# (an InitPlan, run once), so both sides are index scans (matches_newcomer, matches_counterpart,
# BitmapOr): `OR counterpart_id IN (subquery)` is a hashed SubPlan in an OR, which no index serves,
# and made each statement a sequential scan of every match ever made (review 9b, F6: 0.46-0.67 s
# per erasure at 52k matches; docs/performance.md).
def of_participant(m: str = "") -> str:
    """The condition on matches (their table's alias and a dot in ``m``, if any)."""
    return f"({m}newcomer_id = $1 OR {m}counterpart_id = ANY(ARRAY({_counterparts_sql()})))"


OF_PARTICIPANT: Final = of_participant()


async def export(conn: asyncpg.Connection, participant_id: uuid.UUID, *, for_themselves: bool = False
                 ) -> dict[str, Any]:
    """Everything stored about the person (the coordinators' export, Art. 15/20). ``for_themselves``:
    the copy the person downloads on their manage page, the same but for their matches (as_told):
    only those they were told about, named as their page names them, without words others wrote
    about a match (own_words): a coordinator reads the file before handing it out, the download goes
    straight to them, and the other side's reasons for ending are never passed on (docs/decisions.md)."""
    detail = await participants_view.participant_detail(conn, participant_id)
    if detail is None:
        raise ParticipantGone(str(participant_id))
    match_rows = await conn.fetch(
        f"""SELECT {MATCH_COLUMNS} FROM matches
            WHERE {OF_PARTICIPANT}
            ORDER BY created_at, id""",
        participant_id,
    )
    if detail.get("status") == "erased":
        # What is stored about them is now only anonymous remainder for the statistics: the
        # contract's export shape rather than a 404 that reads as "no such person". Their match rows
        # stay (ids, codes, statuses, scores; erase() cleared the words and sentences) and the match
        # list shows them, so the export lists them as that list does (review 8i, finding 5).
        return {"participant": {"id": str(participant_id), "kind": detail["kind"], "status": "erased"},
                "responses": [], "checkins": [], "audit": [], "matches": [to_json(r) for r in match_rows],
                "emails": [], "waitlist": [], "email_changes": [], "registration_versions": []}
    notifications = await conn.fetch(
        """SELECT id, type, locale, status, attempts, created_at, sent_at FROM notifications
           WHERE participant_id = $1 ORDER BY created_at""",
        participant_id,
    )
    waitlist = await conn.fetch(
        "SELECT kind, reason_code, reason, since FROM waitlist WHERE newcomer_id = $1", participant_id
    )
    responses = await conn.fetch(
        "SELECT match_id, side, answer, reason, responded_at FROM match_responses WHERE participant_id = $1 "
        "ORDER BY responded_at", participant_id)
    checkins = await conn.fetch(
        "SELECT match_id, side, answer, comment, answered_at FROM checkins WHERE participant_id = $1 "
        "ORDER BY answered_at", participant_id)
    audit_rows = await conn.fetch(
        f"SELECT at, actor_role, action, before, after FROM audit_log a WHERE {audit.ABOUT_PARTICIPANT} "
        "ORDER BY at, id", participant_id)  # their own steps too
    changes = await conn.fetch(
        "SELECT new_email, requested_at, outcome, ended_at FROM email_changes WHERE participant_id = $1 "
        "ORDER BY requested_at", participant_id)
    return {
        "participant": detail,
        "responses": [_plain(r) for r in responses],
        "checkins": [_plain(c) for c in checkins],
        "audit": [_plain(a) for a in audit_rows],
        "matches": (await as_told(conn, participant_id, match_rows) if for_themselves
                    else [to_json(r) for r in match_rows]),
        "emails": [
            {**dict(n), "id": str(n["id"]), "created_at": n["created_at"].isoformat(),
             "sent_at": n["sent_at"].isoformat() if n["sent_at"] else None}
            for n in notifications
        ],
        "waitlist": [{**dict(w), "since": w["since"].isoformat()} for w in waitlist],
        "email_changes": [_plain(c) for c in changes],
        # Registrations of the same address repeated while it was unconfirmed (review 9a, F14).
        "registration_versions": await registration_versions.of_participant(conn, participant_id),
    }


async def as_told(conn: asyncpg.Connection, participant_id: uuid.UUID, rows: list[asyncpg.Record]
                  ) -> list[dict[str, Any]]:
    """The matches of the person's own download: only those they were told about, as their manage page
    lists them (own_matches.SHOWN: from the approval on; the team's suggestions, rejections and
    withdrawals before an introduction are not theirs to read), each naming the other side as the
    page does (their name, or the course or position and its organisation) and the person's own
    course or position it is for, with others' words left out (own_words). Review 8e, finding 8."""
    person = await conn.fetchrow("SELECT id, kind FROM participants WHERE id = $1", participant_id)
    told = {r["id"]: r for r in await own_matches.in_states(conn, person, own_matches.SHOWN)}
    return [{**own_words(to_json(r), r, participant_id), "other_side": told[r["id"]]["title"],
             "other_side_organisation": told[r["id"]]["organisation"], "own_offer": told[r["id"]]["offer"]}
            for r in rows if r["id"] in told]


def own_words(match: dict[str, Any], row: asyncpg.Record, participant_id: uuid.UUID) -> dict[str, Any]:
    """A match of the person's own download: the coordinators' note (for the team) withheld, and the
    reason only when their own side ended it (their words, or the fixed sentence of their decline or
    re-match); a reason the other side or a coordinator wrote may speak of someone else. The fields
    stay, empty, so both exports have one shape."""
    side = "newcomer" if row["newcomer_id"] == participant_id else "counterpart"
    return {**match, "note": None, "reason": match["reason"] if row["ended_by_side"] == side else None}


def _plain(row: asyncpg.Record) -> dict[str, Any]:
    """A row as JSON-ready values (ids and times as strings)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if isinstance(v, uuid.UUID) else v)
            for k, v in row.items()}


async def erase(conn: asyncpg.Connection, participant_id: uuid.UUID, reason: str | None = None) -> None:
    """Remove the person's personal data everywhere (call inside a transaction). ``reason``: None
    the person's own request, or ERASED_BY_CENTRE or ERASED_INACTIVE (the confirmation email says which)."""
    row = await conn.fetchrow(
        """SELECT kind, status, profile, email, name, preferred_locale, inactive_noticed_at::date AS noticed_on
           FROM participants WHERE id = $1 FOR UPDATE""",
        participant_id,
    )
    if row is None or row["status"] == "erased":
        raise ParticipantGone(str(participant_id))
    if row["email"]:
        # Kept only until the notifier has confirmed the erasure (then deleted); the reason and the
        # notice's day choose its wording (review 9c, F7: not "as you asked" when they did not).
        await conn.execute(
            """INSERT INTO erasure_receipts (participant_id, email, name, locale, reason, noticed_on)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (participant_id) DO NOTHING""",
            participant_id,
            row["email"],
            row["name"],
            row["preferred_locale"],
            reason,
            row["noticed_on"] if reason == ERASED_INACTIVE else None,
        )
    # A requested address change holds two addresses; its link then finds nothing ("no longer exists").
    await conn.execute("DELETE FROM email_changes WHERE participant_id = $1", participant_id)
    # Repeated registrations waiting for a verification (registration_versions) hold all of it again.
    await conn.execute("DELETE FROM registration_versions WHERE participant_id = $1", participant_id)
    profile = {k: v for k, v in row["profile"].items() if k in ANONYMOUS_PROFILE_FIELDS}
    await conn.execute(
        """UPDATE participants SET status = 'erased', name = NULL, name_search = NULL, email = NULL, about = NULL,
                  languages = '[]', profile = $2, erased_at = now(), updated_at = now()
           WHERE id = $1""",
        participant_id,
        profile,
    )
    # Titles of an organisation's own courses and positions are not personal; contact is.
    await conn.execute(
        f"UPDATE matches SET note = NULL WHERE {OF_PARTICIPANT}",
        participant_id,
    )
    await forget_details(conn, participant_id)
    ended = await conn.fetch(
        f"""UPDATE matches SET status = CASE WHEN status = 'suggested' THEN 'withdrawn' ELSE 'cancelled' END,
                   reason = 'participant erased', end_reason = $3,
                   ended_by_side = CASE WHEN newcomer_id = $1 THEN 'newcomer' ELSE 'counterpart' END
            WHERE status = ANY($2::text[])
              AND {OF_PARTICIPANT}
            RETURNING {MATCH_COLUMNS}""",
        participant_id,
        [matches.SUGGESTED, *matches.HOLDS_CAPACITY],
        matches.END_ERASED,
    )
    to_publish = [events.new_event(events.PARTICIPANT_ERASED, participant_id=participant_id, kind=row["kind"])]
    for match in ended:
        event_type = events.MATCH_WITHDRAWN if match["status"] == matches.WITHDRAWN else events.MATCH_ENDED
        to_publish.append(
            events.new_event(
                event_type,
                match_id=match["id"],
                kind=match["kind"],
                newcomer_id=match["newcomer_id"],
                counterpart_id=match["counterpart_id"],
                reason=matches.END_ERASED,
            )
        )
    await write_events(conn, to_publish)


# What erasure leaves of every match the person was in: both sides' words about it, the
# explanation's sentences (they name languages, districts, needs), consents, and times finer
# than a month are gone; codes, scores, statuses and the other times stay for the statistics.
# Migration 0017 applies the same to people erased before this. The UPDATE finds touched's rows
# again by their condition (one snapshot: the same rows) rather than joining touched, whose size
# the planner guesses (200): at a few thousand matches that join read all of them.
FORGET_DETAILS: Final = f"""
    WITH touched AS (SELECT id FROM matches WHERE {OF_PARTICIPANT})
    , responses AS (UPDATE match_responses SET reason = NULL, responded_at = date_trunc('month', responded_at)
                    WHERE match_id IN (SELECT id FROM touched))
    , checkins AS (UPDATE checkins SET comment = NULL, answered_at = date_trunc('month', answered_at)
                   WHERE match_id IN (SELECT id FROM touched))
    , consents AS (DELETE FROM consents WHERE participant_id = $1)
    UPDATE matches SET explanation = (SELECT coalesce(jsonb_agg(e - 'detail' ORDER BY i), '[]')
                    FROM jsonb_array_elements(explanation) WITH ORDINALITY AS x(e, i)),
                       reason = CASE WHEN end_reason = ANY($2::text[]) THEN reason
                                     WHEN end_reason <> $3 THEN end_reason END
    WHERE {OF_PARTICIPANT}"""
# The match's reason by its end_reason ($2, $3 above): the sentences intake writes itself, the
# same for everyone, stay; a coordinator's words go; of a rejection or a withdrawal the code stays.
_FIXED_WORDS: Final = [matches.END_DECLINED, matches.END_REMATCH, matches.END_ERASED]


async def forget_details(conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """The per-match details an erased person could be recognised by (see FORGET_DETAILS)."""
    await conn.execute(FORGET_DETAILS, participant_id, _FIXED_WORDS, matches.END_COORDINATOR)
