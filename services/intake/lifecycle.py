"""Use cases of a match after the introduction: answers, check-ins, re-matching, ending.

The states and their transitions stay in `lotse.shared.matches`; this module decides which
transition a participant's answer causes and writes it with its event in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, NamedTuple

import asyncpg

from lotse.intake import audit, checkin_answers, lifecycle_jobs, offers
from lotse.intake.accounts import Coordinator
from lotse.intake.validation import N_
from lotse.shared import events, matches, matches_db
from lotse.shared.consents import both_share_contact
from lotse.shared.outbox import write_event

ANSWERS: Final = ("accept", "decline")
OUTCOMES: Final = (matches.COMPLETED, matches.CANCELLED)
REASON_MAX: Final = 1000


class NotYours(Exception):
    """The link's participant is on neither side of this match."""


class TooLate(Exception):
    """The match is no longer in a state where this answer means anything."""


@dataclass(frozen=True, slots=True)
class Party:
    match: asyncpg.Record
    side: str  # "newcomer" | "counterpart"


async def party(conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID) -> Party:
    """Which side of the match the participant is on (a course's provider answers for the course)."""
    try:
        match = await matches_db.get_match(conn, match_id)
    except matches_db.MatchNotFound:
        raise NotYours(str(match_id)) from None
    if match["newcomer_id"] == participant_id:
        return Party(match, "newcomer")
    if await matches_db.counterpart_owner(conn, match["kind"], match["counterpart_id"]) == participant_id:
        return Party(match, "counterpart")
    raise NotYours(str(match_id))


# The other side as the newcomer sees it; no row once its person has erased their data.
_OTHER_SIDE = {
    "mentor": """SELECT p.name AS title, NULL AS organisation, p.profile->>'name_latin' AS title_latin
                 FROM participants p
                 WHERE p.id = $1 AND p.status <> 'erased'""",
    "language_course": """SELECT c.title, p.profile->>'organisation' AS organisation
                          FROM courses c JOIN participants p ON p.id = c.provider_id
                          WHERE c.id = $1 AND p.status <> 'erased'""",
    "employer": """SELECT s.title, p.profile->>'organisation' AS organisation
                   FROM positions s JOIN participants p ON p.id = s.employer_id
                   WHERE s.id = $1 AND p.status <> 'erased'""",
}
# The course or position a provider's or employer's side answers for (the introduction names it),
# by match kind, from where offers.OF_KIND keeps them.
_OFFER = {where.match_kind: f"SELECT title FROM {where.table} WHERE id = $1" for where in offers.OF_KIND.values()}


async def other_side(conn: asyncpg.Connection, who: Party) -> dict[str, str | None]:
    """What the page shows about the other side: a name or a course/position title, never contact data.

    `title` is None once the other person has erased their data (the page then says so), and
    `offer` is the reader's own course or position, for the side that offers one. `title_locale` is
    the newcomer's language when `title` is their name: the page spells a Cyrillic name in Latin
    letters by it, as the emails do (name_search.with_latin); `title_latin` is the person's own
    spelling in Latin letters (name_latin), used first."""
    kind = who.match["kind"]
    if who.side == "counterpart":
        newcomer = await conn.fetchrow(
            """SELECT name, preferred_locale, profile->>'name_latin' AS name_latin
               FROM participants WHERE id = $1 AND status <> 'erased'""",
            who.match["newcomer_id"])
        offer = await conn.fetchval(_OFFER[kind], who.match["counterpart_id"]) if kind in _OFFER else None
        return {"title": newcomer["name"] if newcomer else None, "organisation": None, "offer": offer,
                "title_locale": newcomer["preferred_locale"] if newcomer else None,
                "title_latin": newcomer["name_latin"] if newcomer else None}
    row = await conn.fetchrow(_OTHER_SIDE[kind], who.match["counterpart_id"])
    if row is None:
        return {"title": None, "organisation": None, "offer": None, "title_locale": None, "title_latin": None}
    return {"title": row["title"], "organisation": row["organisation"], "offer": None, "title_locale": None,
            "title_latin": row.get("title_latin")}


# A course's or position's offers.STATE_COLUMNS by match kind, for matches_db.offer_state: the rule
# the notifier's match_ended email words the freed place by.
_OFFER_STATE: Final = {where.match_kind: f"SELECT {offers.STATE_COLUMNS[where.table]} FROM {where.table} WHERE id = $1"
                       for where in offers.OF_KIND.values()}


async def offer_state(conn: asyncpg.Connection, match: asyncpg.Record) -> str:
    """What ending `match` leaves of its course's or position's place (matches_db.offer_state):
    "closed", "started" or "open", as the email after the ending says it; a mentor's is "open"."""
    sql = _OFFER_STATE.get(match["kind"])
    row = await conn.fetchrow(sql, match["counterpart_id"]) if sql else None
    return matches_db.offer_state(row) if row is not None else "open"


async def existing_answer(conn: asyncpg.Connection, match_id: uuid.UUID, side: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT answer, reason, responded_at FROM match_responses WHERE match_id = $1 AND side = $2", match_id, side
    )


async def respond(
    conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID, answer: str, reason: str | None
) -> str:
    """Record one side's answer to an introduction (call in a transaction); returns the match's new status.

    Answering twice the same way is harmless; a decline ends the introduction at once and
    frees the place, both accepts make the match active.
    """
    if answer not in ANSWERS:
        raise ValueError(answer)
    who = await party(conn, match_id, participant_id)
    match = await matches_db.get_match(conn, match_id, lock=True)
    earlier = await existing_answer(conn, match_id, who.side)
    if earlier is not None:
        if earlier["answer"] == answer:
            return str(match["status"])
        raise TooLate("already answered")
    if match["status"] != matches.INTRODUCED:
        raise TooLate(str(match["status"]))
    await conn.execute(
        "INSERT INTO match_responses (match_id, participant_id, side, answer, reason) VALUES ($1, $2, $3, $4, $5)",
        match_id,
        participant_id,
        who.side,
        answer,
        reason,
    )
    now = datetime.now().astimezone()
    data: dict[str, object] = {"side": who.side, "answer": answer}
    if answer == "decline":
        changed = await matches_db.transition(
            conn, match_id, matches.DECLINED, events.MATCH_RESPONDED, event_data=data,
            reason=f"declined by {who.side}", end_reason=matches.END_DECLINED, ended_by_side=who.side, ended_at=now,
        )
        return str(changed["status"])
    accepted = await conn.fetchval(
        "SELECT count(*) FROM match_responses WHERE match_id = $1 AND answer = 'accept'", match_id
    )
    if accepted == 2:
        # Both said yes: each is emailed how to get in touch (the event's status tells the notifier).
        # Without both consents to pass addresses on, nobody can, unless the welcome centre connects
        # them: the flag puts that in the coordinators' list and digest, and replaces a reminder flag.
        shared = not await still_to_connect(conn, match)
        changed = await matches_db.transition(
            conn, match_id, matches.ACTIVE, events.MATCH_RESPONDED, event_data={**data, "status": matches.ACTIVE},
            active_at=now, flagged_at=None if shared else now, flag_code=None if shared else matches.FLAG_CONNECT,
            flag_reason=None,
        )
        return str(changed["status"])
    # The first of two accepts: the match waits for the other side.
    await conn.execute(f"UPDATE matches SET {matches_db.UNFLAG} WHERE id = $1", match_id)
    await write_event(conn, matches_db.match_event(events.MATCH_RESPONDED, match, **data))
    return str(match["status"])


async def check_in(
    conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID, answer: str, comment: str | None
) -> None:
    """"How is it going?": good / not sure / not a good fit, or an organisation's outcome (hired,
    attending, …: checkin_answers), kept as a history of answers.

    The match's flag follows each side's latest answer: "not a good fit" flags it, as does an
    organisation's "did not come about", "never started" or "stopped attending", and a newcomer's or
    mentor's "we have not been in touch yet" (checkin_answers.flag_code, the strongest of both
    sides' latest: strongest_flag); a later better answer takes the check-in flag away again, unless
    the other side's latest answer still flags it (an unhandled message or a connect flag it
    replaced comes back: _unflag).
    "Not sure", and any answer with a message to the centre, flag the match
    (matches.FLAG_CHECKIN_MESSAGE) unless it has another flag already: the form asks for the
    message, so a coordinator must be led to it; it stays until one marks it handled.
    """
    who = await party(conn, match_id, participant_id)
    if answer not in checkin_answers.for_side(who.match["kind"], who.side):
        raise ValueError(answer)
    match = await matches_db.get_match(conn, match_id, lock=True)
    if match["status"] != matches.ACTIVE:
        raise TooLate(str(match["status"]))
    await conn.execute(
        "INSERT INTO checkins (match_id, participant_id, side, answer, comment) VALUES ($1, $2, $3, $4, $5)",
        match_id,
        participant_id,
        who.side,
        answer,
        comment,
    )
    flags = {side: code for side, latest in (await current_checkins(conn, match_id)).items()
             if (code := checkin_answers.flag_code(side, latest))}
    if flags:
        # Over a connect flag too: the match may be over, which matters first; it comes back with
        # the better answer, or when a coordinator marks this one handled (_unflag).
        await flag(conn, match_id, checkin_answers.strongest_flag(flags, who.side))
    else:
        await _unflag(conn, match, matches.CHECKIN_OUTCOME_FLAGS)
        if comment or answer == "unsure":
            await conn.execute(
                """UPDATE matches SET flagged_at = now(), flag_code = $2, flag_reason = NULL
                   WHERE id = $1 AND flagged_at IS NULL""",
                match_id, matches.FLAG_CHECKIN_MESSAGE,
            )


async def current_checkins(conn: asyncpg.Connection, match_id: uuid.UUID) -> dict[str, str]:
    """Each side's latest check-in answer (sides that never answered are missing)."""
    rows = await conn.fetch(
        """SELECT DISTINCT ON (side) side, answer FROM checkins WHERE match_id = $1
           ORDER BY side, answered_at DESC, id DESC""",
        match_id,
    )
    return {row["side"]: row["answer"] for row in rows}


async def request_rematch(conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID) -> None:
    """After "not a good fit": end this match, so the matcher looks for someone else."""
    who = await party(conn, match_id, participant_id)
    match = await matches_db.get_match(conn, match_id, lock=True)
    if match["status"] != matches.ACTIVE:
        raise TooLate(str(match["status"]))
    await matches_db.transition(
        conn, match_id, matches.CANCELLED, events.MATCH_ENDED,
        event_data={"outcome": matches.CANCELLED, "reason": matches.END_REMATCH, "side": who.side},
        reason=f"re-match requested by {who.side}", end_reason=matches.END_REMATCH, ended_by_side=who.side,
        ended_at=datetime.now().astimezone(),
    )


#: The matches a participant can end themselves on their manage page: running, or introduced.
ENDABLE: Final = (matches.INTRODUCED, matches.ACTIVE)


async def end_by_participant(
    conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID, reason: str | None
) -> asyncpg.Record:
    """One side ends this one match ("End this match" on the manage page; call in a transaction).

    As a re-match does, it cancels the match with a match.ended event: the place is free again,
    the notifier tells both sides (match_ended) and the matcher looks at who is waiting. Only this
    match ends: the person's registration and other matches stay. Their optional words are for
    the welcome centre (matches.reason, forgotten on erasure as a coordinator's are); the audit
    entry keeps only the step, as their other manage-page changes do."""
    who = await party(conn, match_id, participant_id)
    match = await matches_db.get_match(conn, match_id, lock=True)
    if match["status"] not in ENDABLE:
        raise TooLate(str(match["status"]))
    ended = await matches_db.transition(
        conn, match_id, matches.CANCELLED, events.MATCH_ENDED,
        event_data={"outcome": matches.CANCELLED, "reason": matches.END_PARTICIPANT, "side": who.side},
        reason=reason, end_reason=matches.END_PARTICIPANT, ended_by_side=who.side,
        ended_at=datetime.now().astimezone(),
    )
    await audit.record_by_participant(conn, participant_id, "match.ended_own", "match", match_id,
                                      before={"status": match["status"]}, after={"status": matches.CANCELLED})
    return ended


async def complete_by_participant(
    conn: asyncpg.Connection, match_id: uuid.UUID, participant_id: uuid.UUID, reason: str | None
) -> asyncpg.Record:
    """One side of a running mentor match says it is done and went well ("We are done – it went
    well" on the manage page's end step; call in a transaction): completed, not cancelled, so the
    other side is thanked instead of told it was dropped, and the statistics count it as completed.
    The place is free again (match.ended); the newcomer gets no new mentor until they ask
    (mentorship_done). Audited as their "End this match", with the status it ended in."""
    who = await party(conn, match_id, participant_id)
    match = await matches_db.get_match(conn, match_id, lock=True)
    if match["kind"] != "mentor" or match["status"] != matches.ACTIVE:
        raise TooLate(str(match["status"]))  # an introduction never ran, so it cannot have gone well
    ended = await matches_db.transition(
        conn, match_id, matches.COMPLETED, events.MATCH_ENDED,
        event_data={"outcome": matches.COMPLETED, "reason": matches.END_FINISHED, "side": who.side},
        reason=reason, end_reason=matches.END_FINISHED, ended_by_side=who.side,
        ended_at=datetime.now().astimezone(),
    )
    await mentorship_done(conn, match)
    await audit.record_by_participant(conn, participant_id, "match.ended_own", "match", match_id,
                                      before={"status": match["status"]}, after={"status": matches.COMPLETED})
    return ended


async def mentorship_done(conn: asyncpg.Connection, match: asyncpg.Record) -> None:
    """A mentor match completed: the newcomer no longer asks for a mentor (profile wants_mentor), so
    the match.ended event that frees the mentor's place starts no new search for them; they ask again
    with "I would like a mentor again" on their page (self_service.want_mentor_again). Nothing for a
    course or a job, nor for a cancelled match, after which Lotse looks again at once."""
    if match["kind"] == "mentor":
        await conn.execute(
            """UPDATE participants SET profile = profile || '{"wants_mentor": false}'::jsonb, updated_at = now()
               WHERE id = $1 AND kind = 'newcomer' AND status <> 'erased'""",
            match["newcomer_id"],
        )


class Question(NamedTuple):
    """What an introduction asks one side, as the email's if_declined() words the match: a newcomer
    does not "meet" a course or a job, nor does a provider a course's new participant (review 8b,
    finding 6). Msgids."""

    asked: str  # the answer page's question (match_pages)
    waiting: str  # the manage page's line while this side's answer is awaited (_own_matches.html)


QUESTIONS: Final = {
    ("newcomer", "language_course"): Question(
        N_("Would you like to take this course?"),
        N_("Introduced: please tell us whether you would like to take this course.")),
    ("newcomer", "employer"): Question(
        N_("Are you interested in this position?"),
        N_("Introduced: please tell us whether you are interested in this position.")),
    ("counterpart", "language_course"): Question(
        N_("Would you like to offer this newcomer a place in your course?"),
        N_("Introduced: please tell us whether you would like to offer this newcomer a place in your course.")),
}
MEET: Final = Question(N_("Would you like to meet?"), N_("Introduced: please tell us whether you would like to meet."))


def question(side: str, kind: str) -> Question:
    """What an introduction asks `side` of a match of `kind`."""
    return QUESTIONS.get((side, kind), MEET)


def seeking(side: str, kind: str) -> str:
    """What a re-match would look for: a newcomer leaving a course or a job looks for another one
    ("course", "job"), not for "someone" else, as everyone else does."""
    if side == "newcomer" and kind != "mentor":
        return "course" if kind == "language_course" else "job"
    return "someone"


async def flag(conn: asyncpg.Connection, match_id: uuid.UUID, code: str) -> None:
    """Flag the match with one of matches.FLAGS (replacing any flag it had, keeping since when)."""
    await conn.execute(
        """UPDATE matches SET flagged_at = coalesce(flagged_at, now()), flag_code = $2, flag_reason = NULL
           WHERE id = $1""",
        match_id, code,
    )


async def still_to_connect(conn: asyncpg.Connection, match: asyncpg.Record) -> bool:
    """Whether the two sides of `match` can reach each other only if the welcome centre puts them in
    touch (matches.FLAG_CONNECT): not both let their address be passed on (respond's rule when the
    match becomes active), nor did both when it became active (the "both said yes" emails passed
    the addresses on; a consent withdrawn since does not take them back), and nobody has put them
    in touch since: a coordinator (mark_connected) or a consent that made both share
    (contact_shared), each audited (lifecycle_jobs.PUT_IN_TOUCH, which the check-in waits for too).
    `match` carries active_at (matches_db.MATCH_COLUMNS, or the caller's own locking SELECT)."""
    owner = await matches_db.counterpart_owner(conn, match["kind"], match["counterpart_id"])
    if owner is not None:
        if await both_share_contact(conn, match["newcomer_id"], owner):
            return False
        became_active = match["active_at"]
        if became_active is not None and await both_share_contact(conn, match["newcomer_id"], owner, at=became_active):
            return False
    return not await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM audit_log WHERE subject_type = 'match' AND subject_id = $1
                          AND action = ANY($2::text[]))""",
        match["id"], list(lifecycle_jobs.PUT_IN_TOUCH),
    )


async def _unflag(conn: asyncpg.Connection, match: asyncpg.Record, codes: Sequence[str] | None = None) -> None:
    """Take the match's flag away (only one of `codes`, if given). An active match gets back, flagged
    since when it was, the to-do a check-in's outcome flag set over it must not lose when a better
    answer or a coordinator's "handled" takes that flag away: first a check-in message nobody has
    handled yet (_unhandled_message), else the connect flag if its sides still need putting in touch
    (review 8c, finding 2; docs/decisions.md)."""
    only = None if codes is None else list(codes)
    where = "WHERE id = $1 AND ($2::text[] IS NULL OR flag_code = ANY($2::text[]))"
    back = None
    if match["status"] == matches.ACTIVE:
        if await _unhandled_message(conn, match["id"]):
            back = matches.FLAG_CHECKIN_MESSAGE
        elif await still_to_connect(conn, match):
            back = matches.FLAG_CONNECT
    if back is not None:
        await conn.execute(f"UPDATE matches SET flag_code = $3, flag_reason = NULL {where}", match["id"], only, back)
    else:
        await conn.execute(f"UPDATE matches SET {matches_db.UNFLAG} {where}", match["id"], only)


async def _unhandled_message(conn: asyncpg.Connection, match_id: uuid.UUID) -> bool:
    """Whether a check-in of the match said "not sure", or had a message to the centre with an answer
    that flags nothing itself (what check_in flags matches.FLAG_CHECKIN_MESSAGE for), after a
    coordinator last marked that flag handled (mark_handled's audit entry). Handling another flag
    does not count: an outcome flag may have stood over the message flag, or kept a message from
    flagging at all, and the message is unread. A message with an outcome answer ("not a good fit:
    …") stays the outcome flag's and goes with it, as before."""
    rows = await conn.fetch(
        """SELECT side, answer FROM checkins c WHERE c.match_id = $1 AND (c.answer = 'unsure' OR c.comment <> '')
             AND c.answered_at > coalesce(
                 (SELECT max(a.at) FROM audit_log a
                  WHERE a.subject_type = 'match' AND a.subject_id = $1 AND a.action = 'match.flag_handled'
                    AND a.before ->> 'flag_code' = $2), '-infinity')""",
        match_id, matches.FLAG_CHECKIN_MESSAGE,
    )
    return any(checkin_answers.flag_code(row["side"], row["answer"]) is None for row in rows)


async def mark_connected(conn: asyncpg.Connection, coordinator: Coordinator, match_id: uuid.UUID) -> bool:
    """A coordinator has put the two sides of an active match in touch: the connect flag goes
    (audited). A check-in message that came while it stood takes its place (connected). False when
    there was no such flag (already cleared, or replaced by another)."""
    match = await conn.fetchrow(
        """SELECT id, kind, status, newcomer_id, counterpart_id, active_at FROM matches
           WHERE id = $1 AND status = 'active' AND flag_code = $2 FOR UPDATE""",
        match_id, matches.FLAG_CONNECT,
    )
    if match is None:
        return False
    await audit.record(conn, coordinator, "match.connected", "match", match_id)
    await connected(conn, match)
    return True


async def connected(conn: asyncpg.Connection, match: asyncpg.Record) -> None:
    """The two sides of `match` have just been put in touch (its PUT_IN_TOUCH audit entry is
    written): the connect flag goes. A check-in message that arrived while it stood did not flag
    the match (check_in flags only an unflagged one), so it takes the connect flag's place now
    instead of being lost (_unflag)."""
    await _unflag(conn, match, [matches.FLAG_CONNECT])


async def mark_handled(
    conn: asyncpg.Connection, coordinator: Coordinator, match_id: uuid.UUID, note: str, *, resend: bool = False
) -> bool:
    """A coordinator has dealt with a match's flag ("phoned her, she'll answer"): the flag goes,
    audited with the note. An introduction counts as reminded again now, so if it is still
    unanswered lifecycle_jobs flags it once more after FLAG_AFTER_REMINDER; with `resend`, each
    side that has not answered is sent the reminder (the introduction again). False when the
    match has no flag (already handled), no longer asks for one, or has the connect flag: that one
    goes only when someone put the two in touch (mark_connected), which a note does not say; so an
    active match whose sides still need it gets it back when another flag is handled (_unflag)."""
    match = await conn.fetchrow(
        """SELECT id, kind, status, newcomer_id, counterpart_id, flag_code, active_at FROM matches
           WHERE id = $1 AND flagged_at IS NOT NULL AND status = ANY($2::text[])
             AND flag_code IS DISTINCT FROM $3 FOR UPDATE""",
        match_id, list(matches.FLAGGABLE), matches.FLAG_CONNECT,
    )
    if match is None:
        return False
    resent = match["status"] == matches.INTRODUCED and resend
    # Audited before _unflag, which reads this entry: a message flag handled now must not come back.
    await audit.record(
        conn, coordinator, "match.flag_handled", "match", match_id,
        before={"flag_code": match["flag_code"]}, after={"reminder_sent": resent}, detail=note,
    )
    await _unflag(conn, match)
    if match["status"] == matches.INTRODUCED:
        await conn.execute("UPDATE matches SET reminded_at = now() WHERE id = $1", match_id)
    if resent:
        await lifecycle_jobs.remind(conn, match)
    return True


async def end_match(
    conn: asyncpg.Connection, coordinator: Coordinator, match_id: uuid.UUID, outcome: str, reason: str
) -> asyncpg.Record:
    """A coordinator ends a match as completed or cancelled, with a reason (audited)."""
    if outcome not in OUTCOMES:
        raise ValueError(outcome)
    before = await matches_db.get_match(conn, match_id, lock=True)
    if outcome == matches.COMPLETED and before["status"] != matches.ACTIVE:
        raise matches_db.Conflict(f"only an active match can be completed; this one is {before['status']}")
    ended = await matches_db.transition(
        conn, match_id, outcome, events.MATCH_ENDED,
        event_data={"outcome": outcome, "reason": matches.END_COORDINATOR}, reason=reason,
        end_reason=matches.END_COORDINATOR, ended_at=datetime.now().astimezone(),
    )  # the flag goes with the match (matches_db._transition: completed and cancelled are not FLAGGABLE)
    if outcome == matches.COMPLETED:
        await mentorship_done(conn, before)
    await audit.record(
        conn, coordinator, f"match.{outcome}", "match", match_id,
        before={"status": before["status"]}, after={"status": outcome}, detail=reason,
    )
    return ended
