"""A participant's own matches, as the manage page shows them: who or what, the state, the answer
still owed, and the other side's address where both let it be passed on.

Only what the person was told about is listed: from the coordinator's approval on (the introduction
email follows it); suggestions, rejections and withdrawals are the welcome centre's own work.
The other side is a name or a course/position title, never more: an employer or course provider
sees the newcomer's name, not their family or anything else they registered.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import asyncpg

from lotse.intake import checkin_answers, lifecycle, offers
from lotse.shared import consents, matches, matches_db

SHOWN: Final = (*matches.HOLDS_CAPACITY, matches.DECLINED, matches.COMPLETED, matches.CANCELLED)

# The newcomer's side sees its mentor, course or job; the other side sees the newcomer (with the
# course or position it answers for). `owner` is the participant behind the other side.
_NEWCOMERS_MATCHES: Final = """
    SELECT m.id, m.kind, m.status, m.created_at, m.decided_at, m.checkin_sent_at, 'newcomer' AS side,
           coalesce(mp.id, cp.id, ep.id) AS owner, coalesce(mp.email, cp.email, ep.email) AS owner_email,
           coalesce(mp.name, CASE WHEN cp.id IS NOT NULL THEN c.title END,
                    CASE WHEN ep.id IS NOT NULL THEN s.title END) AS title,
           coalesce(cp.profile->>'organisation', ep.profile->>'organisation') AS organisation,
           mp.profile->>'name_latin' AS title_latin,
           NULL AS offer, c.schedule, c.starts_on, c.format AS course_format, c.district AS course_district,
           NULL::timestamptz AS offer_closed_at, NULL::date AS offer_starts_on, NULL::int AS offer_late_entry_weeks
    FROM matches m
    LEFT JOIN participants mp ON m.kind = 'mentor' AND mp.id = m.counterpart_id AND mp.status <> 'erased'
    LEFT JOIN courses c ON m.kind = 'language_course' AND c.id = m.counterpart_id
    LEFT JOIN participants cp ON cp.id = c.provider_id AND cp.status <> 'erased'
    LEFT JOIN positions s ON m.kind = 'employer' AND s.id = m.counterpart_id
    LEFT JOIN participants ep ON ep.id = s.employer_id AND ep.status <> 'erased'
    WHERE m.newcomer_id = $1 AND m.status = ANY($2::text[])"""

# `mine`: the counterparts the reader stands behind (a mentor themselves; a provider's courses or an
# employer's positions, where offers.OF_KIND keeps them), each with the offer's title, and its
# offers.STATE_COLUMNS for matches_db.offer_state (a position has no start, a mentor neither).
_MENTOR_AS_COUNTERPART: Final = """SELECT id, NULL AS offer, NULL::timestamptz AS closed_at, NULL::date AS starts_on,
                                          NULL::int AS late_entry_weeks
                                   FROM participants WHERE id = $1"""
_COUNTERPART_SQL: Final = """
    WITH mine AS ({mine})
    SELECT m.id, m.kind, m.status, m.created_at, m.decided_at, m.checkin_sent_at, 'counterpart' AS side,
           n.id AS owner, n.email AS owner_email, n.name AS title, n.preferred_locale AS title_locale,
           n.profile->>'name_latin' AS title_latin,
           NULL AS organisation, mine.offer,
           NULL AS schedule, NULL::date AS starts_on, NULL AS course_format, NULL AS course_district,
           mine.closed_at AS offer_closed_at, mine.starts_on AS offer_starts_on,
           mine.late_entry_weeks AS offer_late_entry_weeks
    FROM mine JOIN matches m ON m.counterpart_id = mine.id AND m.kind = $3
    LEFT JOIN participants n ON n.id = m.newcomer_id AND n.status <> 'erased'
    WHERE m.status = ANY($2::text[])"""


@dataclass(frozen=True, slots=True)
class CourseFacts:
    schedule: str
    starts_on: date
    format: str
    district: str


@dataclass(frozen=True, slots=True)
class OwnMatch:
    id: uuid.UUID
    kind: str  # the match's kind: mentor, language_course, employer
    side: str  # the reader's side: "newcomer" | "counterpart"
    status: str
    since: datetime  # when it was approved: the introduction came then
    title: str | None  # the other side's name or the course/position; None once they deleted their data
    organisation: str | None
    offer: str | None  # the reader's own course or position this match is for
    answer: str | None  # the reader's own answer to the introduction, if given
    contact_email: str | None  # only while active, and only if both let addresses be passed on
    checkin_open: bool = False  # running, its check-in sent to this side, and not answered by it yet
    # This side's latest check-in answer (a checkin_answers code) and when it was given, while the
    # match runs: the page shows it, and after one of checkin_answers.OFFER_TO_END ("not a good
    # fit", an organisation's "did not come about", …) offers the re-match there too.
    checkin: str | None = None
    checkin_at: datetime | None = None
    # A newcomer's course, as the introduction and "both said yes" emails describe it: what a parent
    # plans childcare around (review 8b, finding 16). Codes; the page words them.
    course: CourseFacts | None = None
    # The reader's own course or position (matches_db.offer_state): the re-match offer promises
    # someone else only while it is open, as the email after the ending does (review 8c, finding 3).
    offer_state: str = "open"
    # The newcomer's language when `title` is their name (the reader is their mentor, provider or
    # employer): a Cyrillic name's Latin spelling follows it (name_search.latin), as in the emails.
    title_locale: str | None = None
    # The person's own Latin spelling of `title` (their name_latin), used before the table's.
    title_latin: str | None = None

    @property
    def current(self) -> bool:
        """Running: it holds one of a mentor's places, too."""
        return self.status in matches.HOLDS_CAPACITY

    @property
    def endable(self) -> bool:
        """"End this match" is offered: running, or introduced and answered yes by this side (an
        introduction still waiting for this side's answer has its "No, I decline", which ends it)."""
        return self.status == matches.ACTIVE or (self.status == matches.INTRODUCED and self.answer == "accept")

    @property
    def offer_to_end(self) -> bool:
        """This side's latest check-in asks for the re-match offer (checkin_answers.OFFER_TO_END)."""
        return self.checkin in checkin_answers.OFFER_TO_END

    @property
    def waiting(self) -> str:
        """The line under an introduction awaiting this side's answer, as its answer page asks it
        (lifecycle.question): a msgid."""
        return lifecycle.question(self.side, self.kind).waiting

    @property
    def seeking(self) -> str:
        """What a re-match asked for here looks for (lifecycle.seeking)."""
        return lifecycle.seeking(self.side, self.kind)


async def in_states(
    conn: asyncpg.Connection, participant: asyncpg.Record, statuses: tuple[str, ...]
) -> list[asyncpg.Record]:
    """The participant's matches in `statuses`, each with `owner`: the participant on the other side
    (None once erased), and `owner_email`."""
    kind = participant["kind"]
    if kind == "newcomer":
        return list(await conn.fetch(_NEWCOMERS_MATCHES, participant["id"], list(statuses)))
    if kind == "mentor":
        mine, match_kind = _MENTOR_AS_COUNTERPART, "mentor"
    else:
        where = offers.OF_KIND[kind]
        mine, match_kind = (f"SELECT id, title AS offer, {offers.STATE_COLUMNS[where.table]} FROM {where.table}"
                            f" WHERE {where.owner} = $1", where.match_kind)
    sql = _COUNTERPART_SQL.format(mine=mine)
    return list(await conn.fetch(sql, participant["id"], list(statuses), match_kind))


async def of_participant(conn: asyncpg.Connection, participant: asyncpg.Record) -> list[OwnMatch]:
    """The participant's matches they were told about: running ones first, then ended, newest first."""
    rows = await in_states(conn, participant, SHOWN)
    answered = await answers(conn, [r["id"] for r in rows])
    checked_in = await latest_checkins(conn, [r["id"] for r in rows])
    shown = []
    for row in rows:
        latest = _checkin(row, checked_in)
        shown.append(OwnMatch(
            id=row["id"], kind=row["kind"], side=row["side"], status=row["status"],
            since=row["decided_at"] or row["created_at"], title=row["title"], organisation=row["organisation"],
            title_locale=row.get("title_locale"), title_latin=row.get("title_latin"),
            offer=row["offer"], answer=answered.get((row["id"], row["side"])),
            contact_email=await _contact(conn, participant, row),
            checkin_open=_checkin_open(row, checked_in), course=_course(row),
            checkin=latest["answer"] if latest else None, checkin_at=latest["answered_at"] if latest else None,
            offer_state=matches_db.offer_state({"closed_at": row["offer_closed_at"],
                                                "starts_on": row["offer_starts_on"],
                                                "late_entry_weeks": row["offer_late_entry_weeks"]}),
        ))
    return sorted(shown, key=lambda m: (not m.current, -m.since.timestamp()))


def _course(row: asyncpg.Record) -> CourseFacts | None:
    if row["starts_on"] is None:  # not a newcomer's course, or its provider deleted it
        return None
    return CourseFacts(schedule=row["schedule"], starts_on=row["starts_on"], format=row["course_format"],
                       district=row["course_district"])


async def answers(conn: asyncpg.Connection, match_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], str]:
    """Each side's answer to each match's introduction (accept or decline) by (match id, side): the
    manage page shows it; the dashboard names the side of an unanswered flag that is still silent."""
    rows = await conn.fetch("SELECT match_id, side, answer FROM match_responses WHERE match_id = ANY($1::uuid[])",
                            match_ids)
    return {(r["match_id"], r["side"]): r["answer"] for r in rows}


async def latest_checkins(
    conn: asyncpg.Connection, match_ids: list[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], asyncpg.Record]:
    """Each side's latest check-in answer of each match, as lifecycle.current_checkins orders them
    (the manage page; the dashboard labels flags and puts both sides' answers side by side by it)."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (match_id, side) match_id, side, answer, answered_at FROM checkins
           WHERE match_id = ANY($1::uuid[]) ORDER BY match_id, side, answered_at DESC, id DESC""",
        match_ids)
    return {(r["match_id"], r["side"]): r for r in rows}


def _checkin(row: asyncpg.Record, latest: dict[tuple[uuid.UUID, str], asyncpg.Record]) -> asyncpg.Record | None:
    """This side's latest check-in while the match runs; an ended match's page says only that it ended."""
    return latest.get((row["id"], row["side"])) if row["status"] == matches.ACTIVE else None


def _checkin_open(row: asyncpg.Record, checked_in: Mapping[tuple[uuid.UUID, str], object]) -> bool:
    """The check-in this side was asked for and has not given: a person whose email went to an address
    they have since replaced (its link is refused) or got lost answers it on the manage page. Offered
    from when the email is requested (checkin_sent_at), so the page and the email ask together."""
    return (row["status"] == matches.ACTIVE and row["checkin_sent_at"] is not None
            and (row["id"], row["side"]) not in checked_in)


async def _contact(conn: asyncpg.Connection, participant: asyncpg.Record, row: asyncpg.Record) -> str | None:
    """The other side's address once both said yes, if each one's latest share_contact consent is given
    (what the emails about the match pass on, too)."""
    if row["status"] != matches.ACTIVE or row["owner"] is None or not participant["shares_contact"]:
        return None
    shared = await consents.both_share_contact(conn, participant["id"], row["owner"])
    return str(row["owner_email"]) if shared else None
