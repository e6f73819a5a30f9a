"""The review queue: newcomers with open suggestions, longest waiting first; approve or reject."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import urlencode

import asyncpg
from aiohttp import web

from lotse.intake import audit, match_decisions
from lotse.intake.dashboard import csrf, paging, sides
from lotse.intake.dashboard.filters import district_codes, every_word_in, place_choices, search_patterns, searched
from lotse.intake.dashboard.render import back, path_id, render
from lotse.intake.dashboard.vocabulary import GROUPS
from lotse.intake.typedefs import coordinator_key, pool_key
from lotse.shared import events, matches, matches_db
from lotse.shared.outbox import write_event

# In the vocabulary: the match history labels a stored reason with the same words.
REJECT_LABELS: Final = GROUPS["reject_reason"]
REJECT_REASONS: Final = matches.REJECT_REASONS  # the labels' keys; a unit test holds them equal
QUEUE_SIZE: Final = 30
# The round page's "approve" button approves at most this many pairs per request, one transaction
# each (~16 ms apiece at a year's size, review 9b F7): a page's open pairs, far inside any proxy's
# timeout; 880 in one request took 14 s, a year's first round about a minute.
ROUND_CHUNK: Final = paging.PAGE_SIZE
# Verified newcomers (not paused) who have had no suggestion for `days` days (an SQL expression over
# `participants`): none open or running now, none made within those days, verified before them.
# This queue lists only newcomers with suggestions, so it counts them and links to the participants
# list's filter (?no_suggestion_days=) instead (review 8f, finding 7).
NO_SUGGESTION_DAYS: Final = 7
_OPEN_OR_HELD: Final = "ARRAY['" + "','".join((*matches.OPEN, *matches.HOLDS_CAPACITY)) + "']"


def no_suggestion_for(days: str) -> str:
    since = f"now() - make_interval(days => {days})"
    return f"""(participants.kind = 'newcomer' AND participants.status = 'verified'
        AND participants.verified_at <= {since}
        AND NOT EXISTS (SELECT FROM matches m WHERE m.newcomer_id = participants.id
                        AND (m.status = ANY({_OPEN_OR_HELD}) OR m.created_at > {since})))"""


# A suggested mentor's own words and where they are, for the queue's card (over sides.FROM: `o`).
_MENTOR_PROFILE: Final = """CASE WHEN m.kind = 'mentor' THEN json_build_object(
    'district', o.district, 'languages', o.languages, 'profile', o.profile, 'about', o.about) END AS profile"""


# The queue's filters (GET parameters), kept across a decision's redirect: the suggestions of one
# kind, of newcomers in a planning region or district, or whose newcomer, mentor, provider, employer
# or course/position title has every word typed (the participants list's folded name search, its
# names and addresses: filters.searched).
FILTER_PARAMS: Final = ("kind", "region", "district", "q")
# A suggestion the filters let through, over sides.FROM ($1 kind, $2 district codes, $3 patterns).
_SHOWN: Final = """m.status = 'suggested' AND ($1::text IS NULL OR m.kind = $1)
    AND ($2::text[] IS NULL OR n.district = ANY($2::text[]))
    AND """ + every_word_in("$3", searched("n"), searched("o"), "c.title", "s.title")
# The newcomers with a suggestion shown, in the queue's order (longest waiting first).
_WAITING: Final = f"""SELECT n.id, coalesce(n.verified_at, n.created_at) AS since, count(*) AS open
    FROM {sides.FROM} WHERE {_SHOWN} GROUP BY n.id"""
WAITING_IN_ORDER: Final = f"SELECT id, open FROM ({_WAITING}) w ORDER BY since, id"


def queue_filters(query: Mapping[str, str]) -> tuple[tuple[Any, ...], dict[str, str]]:
    """The filters asked for, as _SHOWN's three arguments, and the parameters that chose them: a
    kind that is none or a search without a word filters by nothing, so it is not kept (the page
    would say "nothing found for these filters" and carry it through every decision)."""
    kind = query.get("kind") if query.get("kind") in matches.KINDS else None
    patterns = search_patterns(query.get("q"))
    applies = {"kind": kind is not None, "q": patterns is not None}
    kept = {name: query[name] for name in FILTER_PARAMS if query.get(name) and applies.get(name, True)}
    return (kind, district_codes(query), patterns), kept


async def waiting(conn: asyncpg.Connection, filters: tuple[Any, ...] = (None, None, None)) -> list[asyncpg.Record]:
    """Every newcomer the filters show, in the queue's order, with their count of open suggestions.
    One evaluation per view gives the queue's count, its page and the page that holds ``at``: the
    view ran this aggregate over every open suggestion two or three times (review 9b, F11). A year's
    queue is a few thousand rows of an id and a number."""
    shown: list[asyncpg.Record] = await conn.fetch(WAITING_IN_ORDER, *filters)
    return shown


async def waiting_newcomers(conn: asyncpg.Connection, ids: list[uuid.UUID],
                            filters: tuple[Any, ...] = (None, None, None)) -> list[dict[str, Any]]:
    """The newcomers ``ids`` (a page of :func:`waiting`, in its order), each with the suggestions
    the filters show."""
    rows = await conn.fetch(
        """SELECT p.id, p.name, p.preferred_locale, p.district, p.languages, p.profile, p.about, p.verified_at,
                  extract(day FROM now() - coalesce(p.verified_at, p.created_at))::int AS days_waiting
           FROM participants p WHERE p.id = ANY($1::uuid[])""", ids)
    position = {newcomer_id: i for i, newcomer_id in enumerate(ids)}
    newcomers = sorted(rows, key=lambda n: position[n["id"]])
    suggestions = await conn.fetch(
        f"""SELECT m.id, m.kind, m.counterpart_id, m.score, m.explanation, m.model_version, m.round_id,
                   m.created_at, r.requested_at AS round_requested_at, {sides.COLUMNS}, {_MENTOR_PROFILE}
            FROM {sides.FROM} LEFT JOIN rounds r ON r.id = m.round_id
            WHERE {_SHOWN} AND m.newcomer_id = ANY($4::uuid[])
            ORDER BY m.kind, m.score DESC""",
        *filters, ids,
    )
    by_newcomer: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for s in suggestions:
        by_newcomer.setdefault(s["newcomer_id"], []).append(dict(s))
    return [{**dict(n), "suggestions": by_newcomer.get(n["id"], [])} for n in newcomers]


# The newcomer a coordinator goes on with after deciding one of `$4`'s suggestions: the same one
# while they have suggestions the filters show, else the next in the queue's order (the one
# before, at its end).
_GO_ON_WITH = f"""
    WITH decided AS (SELECT p.id, coalesce(p.verified_at, p.created_at) AS since
                     FROM matches m JOIN participants p ON p.id = m.newcomer_id WHERE m.id = $4),
    waiting AS ({_WAITING})
    SELECT id FROM ((SELECT w.id, 0 AS side FROM waiting w, decided d WHERE (w.since, w.id) >= (d.since, d.id)
                     ORDER BY w.since, w.id LIMIT 1)
                    UNION ALL
                    (SELECT w.id, 1 FROM waiting w, decided d WHERE (w.since, w.id) < (d.since, d.id)
                     ORDER BY w.since DESC, w.id DESC LIMIT 1)) candidates
    ORDER BY side LIMIT 1"""


async def _go_on_with(conn: asyncpg.Connection, match_id: uuid.UUID,
                      filters: tuple[Any, ...] = (None, None, None), kept: Mapping[str, str] | None = None,
                      ) -> dict[str, Any]:
    """Where the queue opens after a decision on ``match_id``: at that newcomer's section (or the
    next one's), not at the top, so the coordinator need not scroll back past everyone before;
    with the filters the coordinator was working with."""
    newcomer_id = await conn.fetchval(_GO_ON_WITH, *filters, match_id)
    if newcomer_id is None:
        return {"query": dict(kept or {})}
    return {"anchor": f"newcomer-{newcomer_id}", "query": {"at": str(newcomer_id), **(kept or {})}}


def _page_of(shown: list[asyncpg.Record], at: str | None) -> int | None:
    """The page of the queue (``shown``, :func:`waiting`) that holds newcomer ``at``, if it does."""
    try:
        newcomer_id = uuid.UUID(at or "")
    except ValueError:
        return None
    before = next((i for i, w in enumerate(shown) if w["id"] == newcomer_id), None)
    return None if before is None else before // QUEUE_SIZE + 1


async def queue_page(request: web.Request) -> web.Response:
    filters, kept = queue_filters(request.query)
    async with request.app[pool_key].acquire() as conn:
        shown = await waiting(conn, filters)
        suggestions = sum(w["open"] for w in shown)
        # `at` (the newcomer just decided, or one looked for) opens the page that holds them.
        if "page" not in request.query and (number := _page_of(shown, request.query.get("at"))):
            request = request.clone(rel_url=request.rel_url.update_query(page=str(number)))
        page = paging.pager(request, len(shown), size=QUEUE_SIZE)
        queue = await waiting_newcomers(conn, [w["id"] for w in shown[page.offset:page.offset + page.size]],
                                        filters)
        rounds = await conn.fetch(
            """SELECT r.*, (SELECT count(*) FROM matches m WHERE m.round_id = r.id AND m.status = 'suggested') AS open
               FROM rounds r ORDER BY r.requested_at DESC LIMIT 3""")
        flagged = await conn.fetchval("SELECT count(*) FROM matches WHERE flagged_at IS NOT NULL "
                                      "AND status = ANY($1::text[])", list(matches.FLAGGABLE))
        unsuggested = await conn.fetchval(f"SELECT count(*) FROM participants WHERE {no_suggestion_for('$1')}",
                                          NO_SUGGESTION_DAYS)
        decided = await _decided(conn, request)
    # After a decision the page opens at a newcomer's section: its message is shown there, not at
    # the top of the page, out of sight.
    at = request.query.get("at")
    in_view = any(str(n["id"]) == at for n in queue)
    here = {"flash": None, "flash_at": at, "section_flash": request.query.get("msg")} if in_view else \
        {"flash_at": None, "section_flash": None}
    return render(request, "queue.html", {
        "queue": queue, "rounds": rounds, "flagged": flagged, "unsuggested": unsuggested,
        "no_suggestion_days": NO_SUGGESTION_DAYS, "reasons": REJECT_LABELS, "pager": page,
        "suggestions_total": suggestions, "kinds": matches.KINDS, **place_choices(),
        "filtered": bool(kept), "decide_query": f"?{urlencode(kept)}" if kept else "", "decided": decided, **here})


async def _decided(conn: asyncpg.Connection, request: web.Request) -> asyncpg.Record | None:
    """The pair just approved or rejected (``?decided=``), so its message names it and links it:
    working fast through many, the coordinator sees which click did what (review 8a, finding 7)."""
    if request.query.get("msg") not in ("approved", "rejected", *NOT_DECIDED):
        return None
    try:
        match_id = uuid.UUID(request.query.get("decided", ""))
    except ValueError:
        return None
    # A decision that could not be taken says what happened instead, and who did it (review 10c, F4).
    return await conn.fetchrow(
        f"""SELECT m.id, m.kind, m.status, m.decided_at, d.email AS decided_by_email,
                   m.decided_by IS NOT DISTINCT FROM $2 AS decided_by_me, {sides.COLUMNS}
            FROM {sides.FROM} LEFT JOIN coordinators d ON d.id = m.decided_by WHERE m.id = $1""",
        match_id, request[coordinator_key].id)


# Why a decision could not be taken, as its message says it (_flash.html): the pair was decided
# (by a colleague, or by the same coordinator's other click or tab) or withdrawn meanwhile, or a
# side paused, or the counterpart is full (its suggestions withdrawn); `conflict` as before.
NOT_DECIDED: Final = ("already", "unavailable", "full")


def _why_not(error: matches_db.Conflict) -> str:
    if isinstance(error, matches_db.Unavailable):
        return "unavailable"
    if isinstance(error, matches_db.Full):
        return "full"
    return "already" if isinstance(error, matches_db.Decided) else "conflict"


# The pair of its round a coordinator goes on with after deciding `$1` on the round's page: the same
# one while it is open (a conflict, a reason missing), else the next open one in the page's order
# (the one before, at its end). A decided pair moves behind the open ones (_ROUND_ORDER), off the
# page the coordinator was working through; the message names it and links it (review 9b, F7).
_GO_ON_IN_ROUND: Final = """
    SELECT d.round_id, coalesce(
        CASE WHEN d.status = 'suggested' THEN d.id END,
        (SELECT m.id FROM matches m WHERE m.round_id = d.round_id AND m.status = 'suggested'
           AND (-m.score, m.id) > (-d.score, d.id) ORDER BY m.score DESC, m.id LIMIT 1),
        (SELECT m.id FROM matches m WHERE m.round_id = d.round_id AND m.status = 'suggested'
           AND (-m.score, m.id) < (-d.score, d.id) ORDER BY m.score, m.id DESC LIMIT 1)) AS at
    FROM matches d WHERE d.id = $1 AND d.round_id IS NOT NULL"""


async def _way_back(conn: asyncpg.Connection, request: web.Request, match_id: uuid.UUID, message: str,
                    filters: tuple[Any, ...], kept: Mapping[str, str], *, decided: bool = False) -> web.HTTPSeeOther:
    """A decision's way back: to the match's page when it was decided there (``?from=match``); to
    its round's page at the row of the pair to go on with when decided there (``?from=round``,
    _GO_ON_IN_ROUND), so the coordinator goes on with the round's other pairs; else to the queue
    where the coordinator goes on. ``decided``: the message names the pair (_decided)."""
    named = {"decided": str(match_id)} if decided else {}
    came_from = request.query.get("from")
    if came_from == "match":
        return back(request, f"/dashboard/matches/{match_id}", message)
    # The round is the match's own, not a path from the request: the way back is only ever a round page.
    if came_from == "round" and (going_on := await conn.fetchrow(_GO_ON_IN_ROUND, match_id)):
        path = f"/dashboard/rounds/{going_on['round_id']}"
        if going_on["at"] is None:  # no open pair left: the message at the top of the round's page
            return back(request, path, message, query=named)
        return back(request, path, message, anchor=f"match-{going_on['at']}",
                    query={"at": str(going_on["at"]), **named})
    going_on = await _go_on_with(conn, match_id, filters, kept)
    return back(request, "/dashboard", message, anchor=going_on.get("anchor"), query={**going_on["query"], **named})


async def decide(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    coordinator = request[coordinator_key]
    match_id = path_id(request)
    approve = request.match_info["decision"] == "approve"
    note = str(form.get("note", "")).strip()[:2000] or None
    reason_code = str(form.get("reason", ""))
    filters, kept = queue_filters(request.query)  # the queue's, in the form's action
    async with request.app[pool_key].acquire() as conn:

        async def going_back(message: str, *, decided: bool = False) -> web.HTTPSeeOther:
            return await _way_back(conn, request, match_id, message, filters, kept, decided=decided)

        if not approve and reason_code not in REJECT_REASONS:
            raise await going_back("reason_missing")
        try:
            await match_decisions.decide(conn, coordinator, match_id, note=note,
                                         rejection=None if approve else (reason_code, note))
        except matches_db.MatchNotFound:
            raise await going_back("gone") from None
        except matches_db.CourseStarted:
            raise await going_back("course_started") from None
        except matches_db.Conflict as error:
            why = _why_not(error)
            raise await going_back(why, decided=why in NOT_DECIDED) from None
        raise await going_back("approved" if approve else "rejected", decided=True)


async def start_round(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    objective = str(form.get("objective", "best_total_score"))
    if objective not in ("best_total_score", "most_matched"):
        objective = "best_total_score"
    round_id = uuid.uuid4()
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO rounds (id, objective, requested_by) VALUES ($1, $2, $3)", round_id,
                           objective, request[coordinator_key].id)
        await write_event(conn, events.new_event(events.ROUND_REQUESTED, round_id=round_id))
        await audit.record(conn, request[coordinator_key], "round.start", "round", round_id,
                           after={"objective": objective})
    raise back(request, "/dashboard", "round_started", query=queue_filters(request.query)[1])  # the form's action


# A round's pairs on its page: the open ones first (what is left to decide), best first.
_ROUND_ORDER: Final = "(m.status <> 'suggested'), m.score DESC, m.id"


async def round_proposals(conn: asyncpg.Connection, round_id: uuid.UUID, limit: int = paging.PAGE_SIZE,
                          offset: int = 0) -> list[dict[str, Any]]:
    """A page of a round's suggestions, the open ones first, best first, each pair as the
    coordinator will decide it; with its status and why it ended (history.ending), so a pair
    decided meanwhile shows how, not buttons."""
    rows = await conn.fetch(
        f"""SELECT m.id, m.kind, m.score, m.status, m.reason, m.end_reason, m.ended_by_side, {sides.COLUMNS}
            FROM {sides.FROM} WHERE m.round_id = $1 ORDER BY {_ROUND_ORDER} LIMIT $2 OFFSET $3""",
        round_id, limit, offset)
    return [dict(r) for r in rows]


async def _round_page_of(conn: asyncpg.Connection, round_id: uuid.UUID, at: str | None) -> int | None:
    """The page of the round's pairs that holds pair ``at``, if it is one of this round's."""
    try:
        match_id = uuid.UUID(at or "")
    except ValueError:
        return None
    before = await conn.fetchval(
        """SELECT (SELECT count(*) FROM matches m WHERE m.round_id = x.round_id
                   AND (m.status <> 'suggested', -m.score, m.id) < (x.status <> 'suggested', -x.score, x.id))
           FROM matches x WHERE x.id = $2 AND x.round_id = $1""", round_id, match_id)
    return None if before is None else before // paging.PAGE_SIZE + 1


async def round_page(request: web.Request) -> web.Response:
    """A round's report and its pairs, a page at a time (a year's first round proposes thousands:
    review 9b, F7), the open ones first, each with the queue's decision form (_decide.html, coming
    back here), and the one button that approves the open ones of the page shown."""
    round_id = path_id(request)
    async with request.app[pool_key].acquire() as conn:
        round_ = await conn.fetchrow("SELECT * FROM rounds WHERE id = $1", round_id)
        if round_ is None:
            raise web.HTTPNotFound()
        pairs, open_total = await conn.fetchrow(
            "SELECT count(*), count(*) FILTER (WHERE status = 'suggested') FROM matches WHERE round_id = $1",
            round_id)
        # `at` (the pair a decision came back to) opens the page that holds it.
        if "page" not in request.query and (
                number := await _round_page_of(conn, round_id, request.query.get("at"))):
            request = request.clone(rel_url=request.rel_url.update_query(page=str(number)))
        page = paging.pager(request, pairs)
        proposals = await round_proposals(conn, round_id, page.size, page.offset)
        decided = await _decided(conn, request)
    # After a decision the page opens at the row of the pair to go on with (?at=, #match-<id>): its
    # message is shown there, as the queue shows it in the newcomer's section, not at the top out of sight.
    at = request.query.get("at")
    here = {"flash": None, "flash_at": at, "row_flash": request.query.get("msg")} \
        if any(str(p["id"]) == at for p in proposals) else {"flash_at": None, "row_flash": None}
    return render(request, "round.html", {
        "r": round_, "proposals": proposals, "pager": page, "pairs": pairs, "open_total": open_total,
        "open": [p for p in proposals if p["status"] == matches.SUGGESTED],
        "reasons": REJECT_LABELS, "decide_query": "?from=round", "decided": decided, **here})


async def approve_round(request: web.Request) -> web.StreamResponse:
    """Approve the round's proposals the coordinator was shown (the `match` fields of the round
    page's form: the open pairs of one page); one decided or conflicting meanwhile is skipped and
    counted. Without any (an old tab's one-click button) nothing is approved: the round page shows
    the pairs first. At most ROUND_CHUNK per request, each in its own transaction through the one
    approval path (matches_db.approve); while the round has open pairs left the way back is its
    page, which lists the next ones with the same button (docs/decisions.md, review 9b F7)."""
    form = await csrf.check(request)
    coordinator = request[coordinator_key]
    round_id = path_id(request)
    shown = set()
    for value in form.getall("match", []):
        with contextlib.suppress(ValueError):
            shown.add(uuid.UUID(str(value)))
    if not shown:
        raise back(request, f"/dashboard/rounds/{round_id}", "confirm_missing")
    approved = conflicts = 0
    async with request.app[pool_key].acquire() as conn:
        # This round's pairs, and those a later round proposed again meanwhile (a colleague's round or
        # the scheduled one takes the still open pairs it proposes too into its own: run_round), which
        # are still the pairs the coordinator was shown (review 10c, F3).
        ids = [r["id"] for r in await conn.fetch(
            """SELECT m.id FROM matches m WHERE m.id = ANY($2::uuid[]) AND (m.round_id = $1 OR m.round_id IN (
                   SELECT later.id FROM rounds later, rounds this
                   WHERE this.id = $1 AND later.requested_at > this.requested_at))
               ORDER BY m.score DESC, m.id""",
            round_id, list(shown))]
        conflicts += len(shown) - len(ids)  # not (or no longer) this round's
        # More than a chunk (an old tab's form of every open pair) stay open, on the page it comes back to.
        for match_id in ids[:ROUND_CHUNK]:
            try:
                await match_decisions.decide(conn, coordinator, match_id, detail=f"round {round_id}")
                approved += 1
            except (matches_db.Conflict, matches_db.MatchNotFound):
                conflicts += 1
        left = await conn.fetchval("SELECT count(*) FROM matches WHERE round_id = $1 AND status = 'suggested'",
                                   round_id)
    if left:
        raise back(request, f"/dashboard/rounds/{round_id}", f"round_part:{approved}:{conflicts}:{left}")
    raise back(request, "/dashboard", f"round_approved:{approved}:{conflicts}")
