"""Matches and participants: lists with filters, detail pages with their history, actions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final
from urllib.parse import urlencode

from aiohttp import web

from lotse.intake import audit, inactive, lifecycle, own_matches, pause, privacy, self_service
from lotse.intake.dashboard import csrf, filters, history, offer_blocks, paging, profile, queue, sides
from lotse.intake.dashboard.render import back, gettext, locale_of, path_id, render
from lotse.intake.dashboard.vocabulary import for_locale
from lotse.intake.participants_view import PARTICIPANTS_FROM as PARTICIPANTS_FROM
from lotse.intake.participants_view import PLACES as PLACES
from lotse.intake.participants_view import PLACES_TAKEN as PLACES_TAKEN
from lotse.intake.typedefs import coordinator_key, pool_key, settings_key
from lotse.shared import events, matches, matches_db, reference
from lotse.shared.reference import districts

# A mentor's places (PARTICIPANTS_FROM, PLACES, PLACES_TAKEN): participants_view's one rule, which the
# coordinators' API reads too; named here as well for this module's readers (reports, tests).
# Free places: a verified mentor (not paused) with fewer places taken than offered, whom the
# matcher can suggest (its pools' rule).
HAS_FREE_PLACES: Final = f"(kind = 'mentor' AND status = 'verified' AND {PLACES} > {PLACES_TAKEN})"
# Since when someone waits: a newcomer since verification (registration before it); a mentor with
# free places since verification or since their last match ended, whichever is later; nobody else.
WAITING_SINCE: Final = f"""(CASE WHEN kind = 'mentor' THEN CASE WHEN {HAS_FREE_PLACES}
                                                             THEN greatest(verified_at, load.last_ended) END
                            ELSE coalesce(verified_at, created_at) END)"""
# Participants: newest registrations first unless the coordinator picks another order. Longest
# waiting first puts those who do not wait (a full or paused mentor) last, oldest first among them.
ORDERS: Final = {
    "newest": "created_at DESC, id",
    "waiting": f"{WAITING_SINCE}, coalesce(verified_at, created_at), id",
    "name": "lower(name) NULLS LAST, id",
}
PARTICIPANT_FILTER: Final = f"""($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
    AND ($3::text[] IS NULL OR district = ANY($3::text[]))
    AND {filters.every_word_in("$4", filters.searched())}
    AND ($5::text IS NULL OR profile->'needs' ? $5 OR profile->'helps_with' ? $5)
    AND ($6::text IS NULL OR languages @> jsonb_build_array(jsonb_build_object('code', $6::text)))
    AND ($7 = 0 OR {WAITING_SINCE} <= now() - make_interval(days => $7))
    AND ($8::text IS NULL OR profile->>'country_of_origin' = $8)
    AND ($9::text IS NULL OR profile->>'occupation_field' = $9
         OR EXISTS (SELECT FROM positions WHERE employer_id = participants.id AND occupation_field = $9))
    AND (NOT $10 OR {HAS_FREE_PLACES})
    AND ($11 = 0 OR {queue.no_suggestion_for('$11')})"""
# A participant's emails, newest first. `variant` names a match_active email sent again after a consent
# given later, as the notifier tells it (shared_later.requested): its row was made from a
# notification.requested, the type the notifier ("notifier", its consumer name) recorded for the event.
EMAILS: Final = """
    SELECT n.type, n.locale, n.status, n.attempts, n.last_error, n.created_at, n.sent_at,
           CASE WHEN n.type = 'match_active' AND pm.type = $2 THEN 'match_active_later' END AS variant
    FROM notifications n
    LEFT JOIN processed_messages pm ON pm.consumer = 'notifier' AND pm.message_id = n.event_id
    WHERE n.participant_id = $1 ORDER BY n.created_at DESC"""
KINDS: Final = ("newcomer", "mentor", "employer", "language_provider")
STATUSES: Final = ("pending_verification", "verified", "paused", "withdrawn", "erased")


def _choice(request: web.Request, name: str, allowed: tuple[str, ...]) -> str | None:
    value = request.query.get(name) or None
    return value if value in allowed else None


# The matches list (review 9b, F4): a year holds hundreds of thousands of matches, most of them
# withdrawn or rejected suggestions. Its order is served by indexes, so a page reads its hundred
# rows and not every match: flagged matches first (matches_flagged, a partial index: a handful),
# then the rest newest first from matches_listed (created_at, id; with status = … from
# matches_status_created), read backwards. Only the chosen filters are in the SQL, so the planner
# sees "m.status = $1" and picks the index for it. Without a status chosen the list leaves out
# withdrawn suggestions unless ?withdrawn=1 (docs/decisions.md, "The matches list at a year's size").
_FLAGGED: Final = f"""(m.flagged_at IS NOT NULL
    AND m.status IN ({", ".join(f"'{s}'" for s in matches.FLAGGABLE)}))"""  # a flag on an ended match asks nothing
_NEWEST: Final = "m.created_at DESC, m.id DESC"
# The columns the list shows and its flags name, not m.* (the explanation's jsonb is most of a row).
_LISTED: Final = """m.id, m.kind, m.status, m.score, m.created_at, m.flagged_at, m.flag_code, m.flag_reason"""
# A match's flag where it asks for a look (as "only flagged" counts it): a flag on an ended match, which
# the list does not count as flagged, is not one (matches.csv's flag_code).
FLAG_SHOWN: Final = f"CASE WHEN {_FLAGGED} THEN m.flag_code END"


# A match a search finds has a side with one of its words at least: its newcomer, or its mentor, or
# its course or position (the title, or the provider's or employer's names). Those sides are few
# for a name or an organisation typed, so the list joins and tests the whole rule (every word
# somewhere) only on their matches: the patterns run over the people, courses and positions, and
# each match is a hashed look-up of its two ids (40k matches, a newcomer's name: 340-390 -> 85-130
# ms, docs/performance.md). {p}: the patterns' parameter.
_FOUND_PEOPLE: Final = f"SELECT id FROM participants WHERE {filters.any_word_in('{p}', filters.searched())}"
_FOUND_SIDE: Final = f"""(m.newcomer_id IN ({_FOUND_PEOPLE}) OR m.counterpart_id IN ({_FOUND_PEOPLE}
    UNION ALL SELECT c.id FROM courses c JOIN participants p ON p.id = c.provider_id
              WHERE {filters.any_word_in('{p}', filters.searched('p'), 'c.title')}
    UNION ALL SELECT s.id FROM positions s JOIN participants p ON p.id = s.employer_id
              WHERE {filters.any_word_in('{p}', filters.searched('p'), 's.title')}))"""


@dataclass(frozen=True)
class MatchesList:
    """The matches list's filters from its query: where (SQL of the chosen ones, $1…) and its args."""

    status: str | None
    kind: str | None
    flagged: bool
    with_withdrawn: bool
    flag: str | None = None  # a flag_code (matches.FLAGS): only matches flagged for that reason
    patterns: tuple[str, ...] | None = None  # ?q=, as filters.search_patterns

    @classmethod
    def of(cls, query: Mapping[str, str]) -> MatchesList:
        status, kind, flag = query.get("status") or None, query.get("kind") or None, query.get("flag") or None
        patterns = filters.search_patterns(query.get("q"))
        # An unknown value filters by nothing, as an unknown status or kind does.
        return cls(status if status in matches.STATES else None, kind if kind in matches.KINDS else None,
                   query.get("flagged") == "1", query.get("withdrawn") == "1",
                   flag if flag in matches.FLAGS else None, tuple(patterns) if patterns else None)

    @classmethod
    def exported(cls, query: Mapping[str, str]) -> MatchesList:
        """matches.csv's filters (review 9c, F6): the list's own, so the list's link downloads what it
        shows. One difference, older than the list's: without a status the export holds withdrawn
        suggestions unless ?without=withdrawn (no filter at all: every match, as it always did); the
        list's link says without=withdrawn when the list leaves them out, and ?withdrawn=1 keeps them."""
        return replace(cls.of(query), with_withdrawn=query.get("withdrawn") == "1"
                       or query.get("without") != matches.WITHDRAWN)

    @property
    def only_flagged(self) -> bool:
        return self.flagged or self.flag is not None

    @property
    def source(self) -> str:
        """What the list's counts and ids read: a search needs both sides' names (sides.FROM); without
        one the matches alone, so their indexes serve count and order."""
        return sides.FROM if self.patterns else "matches m"

    @property
    def where(self) -> tuple[str, list[Any]]:
        clauses, args = ["true"], list[Any]()
        for column, value in (("m.status", self.status), ("m.kind", self.kind), ("m.flag_code", self.flag)):
            if value is not None:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        if self.status is None and not self.with_withdrawn:
            clauses.append(f"m.status <> '{matches.WITHDRAWN}'")
        if self.only_flagged:
            clauses.append(_FLAGGED)
        if self.patterns:
            # Every typed word in the newcomer's or the other side's searchable text, the review
            # queue's rule (queue._SHOWN): the folded names and addresses (filters.searched) of the
            # newcomer and of the mentor, provider or employer, and the course's or position's title
            # (review 9b, F4: "the match of Frau Nguyễn with the VHS Gera"). Only matches with a
            # side that has one of the words are joined and tested (_FOUND_SIDE).
            args.append(list(self.patterns))
            clauses.append(_FOUND_SIDE.format(p=f"${len(args)}"))
            clauses.append(filters.every_word_in(f"${len(args)}", filters.searched("n"), filters.searched("o"),
                                                 "c.title", "s.title"))
        return " AND ".join(clauses), args

    def totals_sql(self) -> tuple[str, list[Any]]:
        """All the list holds, and how many of them are flagged (shown first)."""
        where, args = self.where
        if self.patterns:  # one pass over the joined rows the search reads, not two
            return (f"""SELECT count(*) AS total, count(*) FILTER (WHERE {_FLAGGED}) AS flagged
                        FROM {self.source} WHERE {where}""", args)
        return (f"""SELECT (SELECT count(*) FROM matches m WHERE {where}) AS total,
                           (SELECT count(*) FROM matches m WHERE {where} AND {_FLAGGED}) AS flagged""", args)

    def page_sql(self, size: int, offset: int, flagged_total: int) -> list[tuple[str, list[Any]]]:
        """The queries for the ids of one page, in its order: the flagged part, then the rest."""
        where, args = self.where
        n = len(args)
        queries = []
        if offset < flagged_total:
            queries.append((f"""SELECT m.id FROM {self.source} WHERE {where} AND {_FLAGGED}
                                ORDER BY m.flagged_at, {_NEWEST} LIMIT ${n + 1} OFFSET ${n + 2}""",
                            [*args, size, offset]))
        shown = max(0, min(size, flagged_total - offset))
        if not self.only_flagged and shown < size:  # a page the flagged fill asks for none of the rest
            queries.append((f"""SELECT m.id FROM {self.source} WHERE {where} AND NOT {_FLAGGED}
                                ORDER BY {_NEWEST} LIMIT ${n + 1} OFFSET ${n + 2}""",
                            [*args, size - shown, max(0, offset - flagged_total)]))
        return queries


ROWS_LISTED: Final = f"SELECT {_LISTED}, {sides.COLUMNS} FROM {sides.FROM} WHERE m.id = ANY($1::uuid[])"


async def matches_page(request: web.Request) -> web.Response:
    chosen = MatchesList.of(request.query)
    async with request.app[pool_key].acquire() as conn:
        sql, args = chosen.totals_sql()
        totals = await conn.fetchrow(sql, *args)
        page = paging.pager(request, totals["total"])
        ids: list[uuid.UUID] = []
        for sql, args in chosen.page_sql(page.size, page.offset, totals["flagged"]):
            ids += [r["id"] for r in await conn.fetch(sql, *args)]
        found = {r["id"]: r for r in await conn.fetch(ROWS_LISTED, ids)}
        rows = [found[i] for i in ids if i in found]
        checked_in = await own_matches.latest_checkins(conn, ids)  # flags say who said what
        answered = await own_matches.answers(conn, ids)  # and who has not answered
    return render(request, "matches.html", {"rows": rows, "states": matches.IN_ORDER, "kinds": matches.KINDS,
                                            "status": chosen.status, "kind": chosen.kind, "flagged": chosen.flagged,
                                            "with_withdrawn": chosen.with_withdrawn, "pager": page,
                                            "flags": history.FLAGS, "flag": chosen.flag,
                                            "export": _matches_export(chosen, request.query.get("q")),
                                            "checked_in": checked_in, "answered": answered})


def _matches_export(chosen: MatchesList, typed: str | None) -> str:
    """The CSV of what the list shows, every page of it (review 9c, F6: a list showing "No matches."
    downloaded every match): its status, kind, flag's reason, "only flagged" and search (`typed`, as
    the list got it), and without withdrawn suggestions when it leaves them out (MatchesList.exported)."""
    kept = [(name, value) for name, value in (("status", chosen.status), ("kind", chosen.kind),
                                              ("flag", chosen.flag), ("flagged", "1" if chosen.flagged else None),
                                              ("q", typed if chosen.patterns else None)) if value]
    if chosen.status is None and not chosen.with_withdrawn:
        kept.append(("without", matches.WITHDRAWN))
    return "/dashboard/export/matches.csv" + (f"?{urlencode(kept)}" if kept else "")


NOTE_MAX: Final = 300


async def match_page(request: web.Request) -> web.Response:
    match_id = path_id(request)
    async with request.app[pool_key].acquire() as conn:
        # The match, both sides (sides.COLUMNS) and who decided it, in one row.
        match = await conn.fetchrow(
            f"""SELECT m.*, {sides.COLUMNS}, d.email AS decided_by_email FROM {sides.FROM}
                LEFT JOIN coordinators d ON d.id = m.decided_by WHERE m.id = $1""", match_id)
        if match is None:
            raise web.HTTPNotFound()
        responses = await conn.fetch("SELECT * FROM match_responses WHERE match_id = $1 ORDER BY responded_at",
                                     match_id)
        checkins = await conn.fetch("SELECT * FROM checkins WHERE match_id = $1 ORDER BY answered_at, id", match_id)
        # Each side's latest check-in from the rows just read, in own_matches.latest_checkins' order
        # (answered_at, then id): the later row of a side replaces the earlier, no second query.
        checked_in = {(c["match_id"], c["side"]): c for c in checkins}
        # With what the course's or position's owner did since it was suggested: why it was withdrawn.
        trail = [*await audit.entries(conn, subject_id=match_id),
                 *await audit.of_offer_since(conn, match["counterpart_id"], match["created_at"])]
        trail.sort(key=lambda entry: entry["at"])
    return render(request, "match.html", {"match": match, "responses": responses, "checkins": checkins,
                                          "checked_in": checked_in,
                                          "answered": {(r["match_id"], r["side"]): r["answer"] for r in responses},
                                          "trail": trail, "connect_flag": matches.FLAG_CONNECT,
                                          "unanswered_flag": matches.FLAG_UNANSWERED,
                                          "reasons": queue.REJECT_LABELS})


async def end_match(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    match_id = path_id(request)
    outcome = str(form.get("outcome", ""))
    reason = str(form.get("reason", "")).strip()[:1000]
    if outcome not in lifecycle.OUTCOMES or not reason:
        raise back(request, f"/dashboard/matches/{match_id}", "reason_missing")
    async with request.app[pool_key].acquire() as conn:
        try:
            async with conn.transaction():
                await lifecycle.end_match(conn, request[coordinator_key], match_id, outcome, reason)
        except matches_db.Conflict:
            raise back(request, f"/dashboard/matches/{match_id}", "conflict") from None
    raise back(request, f"/dashboard/matches/{match_id}", "ended")


async def mark_connected(request: web.Request) -> web.StreamResponse:
    """"I have put them in touch": clears an active match's connect flag (matches.FLAG_CONNECT)."""
    await csrf.check(request)
    match_id = path_id(request)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        cleared = await lifecycle.mark_connected(conn, request[coordinator_key], match_id)
    raise back(request, f"/dashboard/matches/{match_id}", "connected" if cleared else "conflict")


async def mark_handled(request: web.Request) -> web.StreamResponse:
    """"Handled, with a note": clears a match's flag, optionally sending the unanswered side the reminder."""
    form = await csrf.check(request)
    match_id = path_id(request)
    note = str(form.get("note", "")).strip()[:NOTE_MAX]
    if not note:
        raise back(request, f"/dashboard/matches/{match_id}", "reason_missing")
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        handled = await lifecycle.mark_handled(conn, request[coordinator_key], match_id, note,
                                               resend=form.get("resend") == "1")
    raise back(request, f"/dashboard/matches/{match_id}", "handled" if handled else "conflict")


# The participants list's query parameters that choose whom it shows (and in which order): the
# CSV export takes the same ones, so it holds the people the list shows, all pages of them.
FILTER_PARAMS: Final = ("q", "kind", "status", "district", "region", "need", "language", "country", "occupation",
                        "min_days", "order", "places", "no_suggestion_days", "deletion")
# ?places=free: only mentors with free places (HAS_FREE_PLACES).
PLACE_FILTERS: Final = ("free",)
# ?deletion=announced: only the people whose deletion for inactivity is announced and still stands
# (inactive.standing_on, the participant page's notice), soonest day first; the chosen order only
# among those of one day. Written into the SQL only when chosen, so the other lists' plans stay.
DELETION_FILTERS: Final = ("announced",)


def announced_on(request: web.Request) -> str:
    """SQL: a participants row's standing notice's day (inactive.standing_on) under this app's
    LOTSE_RETENTION_INACTIVE_DAYS: none while it is off, nor a lapsed one (review 9d, D6)."""
    return inactive.standing_on("participants", inactive_days(request))


def inactive_days(request: web.Request) -> int:
    """The storage limit for people who left (days; 0: off), as the retention pass applies it."""
    return request.app[settings_key].retention_inactive_days


def deletion_announced(request: web.Request) -> bool:
    """?deletion=announced; any other value filters by nothing, as an unknown status does."""
    return _choice(request, "deletion", DELETION_FILTERS) == "announced"


def participant_where(announced: str | None) -> str:
    """The participants list's WHERE (PARTICIPANT_FILTER's $1…$11), with ?deletion=announced's:
    ``announced`` the standing notice's day (announced_on) when chosen, else None."""
    return f"{PARTICIPANT_FILTER} AND {announced} IS NOT NULL" if announced else PARTICIPANT_FILTER


def participant_count(announced: str | None) -> str:
    """SQL: how many people the participants list shows (participant_where's $1…$11): its pager's
    total and the rows participants.csv's audit entry counts, without the export's columns and order."""
    return f"SELECT count(*) FROM {PARTICIPANTS_FROM} WHERE {participant_where(announced)}"


def participant_order(order: str, announced: str | None) -> str:
    """ORDERS[order], after the announced day when the list shows only those (soonest first)."""
    return f"participants.inactive_erase_on, {ORDERS[order]}" if announced else ORDERS[order]


# The filters that take a number of days; "0" or empty filters by nothing.
DAY_FILTERS: Final = ("min_days", "no_suggestion_days")


def _days(text: str) -> int | None:
    """A day filter's value as typed: a whole number of days (0 or more, at most a century), None
    for anything else ("-3", "abc", "²", which str.isdigit would let through to int() and fail)."""
    return min(int(text), 36500) if text.isdecimal() else None


def wrong_days(request: web.Request) -> tuple[str, ...]:
    """The day filters given a value that is not a number of days: the list does not filter by them
    and says so at the field, rather than showing everyone under a filter that looks set (review 8j,
    finding 7)."""
    return tuple(name for name in DAY_FILTERS if request.query.get(name) and _days(request.query[name]) is None)


def chosen_codes(request: web.Request) -> dict[str, filters.Chosen]:
    """The vocabulary filters' codes as the query names them (a code, or a label: filters.choose)."""
    v = for_locale(locale_of(request))
    return {name: filters.choose(v, name, request.query.get(name)) for name in filters.VOCABS}


def participant_filters(request: web.Request) -> tuple[tuple[Any, ...], str]:
    """The participants list's filters from the query, as PARTICIPANT_FILTER's eleven arguments, and
    its order (a key of ORDERS)."""
    kind = _choice(request, "kind", KINDS)
    status = _choice(request, "status", STATUSES)
    codes = chosen_codes(request)
    min_days = request.query.get("min_days", "")
    quiet_days = request.query.get("no_suggestion_days", "")
    order = _choice(request, "order", tuple(ORDERS)) or "newest"
    return (kind, status, filters.district_codes(request.query), filters.search_patterns(request.query.get("q")),
            codes["need"].code, codes["language"].code,
            _days(min_days) or 0, codes["country"].code, codes["occupation"].code,
            _choice(request, "places", PLACE_FILTERS) == "free",
            _days(quiet_days) or 0), order


async def participants_page(request: web.Request) -> web.Response:
    where, order = participant_filters(request)
    shown_on = announced_on(request)
    announced = shown_on if deletion_announced(request) else None
    codes = chosen_codes(request)
    # A label named in the query goes on as its code, so the export and other pages say the same.
    chosen = {name: codes[name].code or "" if name in codes else request.query[name]
              for name in FILTER_PARAMS if request.query.get(name)}
    wrong = wrong_days(request)
    chosen = {name: value for name, value in chosen.items() if value and name not in wrong}
    async with request.app[pool_key].acquire() as conn:
        total = await conn.fetchval(participant_count(announced), *where)
        page = paging.pager(request, total)
        choices = await filters.options(conn, for_locale(locale_of(request)), codes)
        rows = await conn.fetch(
            f"""SELECT id, kind, status, paused_until, name, preferred_locale, email, district, created_at, verified_at,
                       profile->>'organisation' AS organisation, profile->>'name_latin' AS name_latin,
                       extract(day FROM now() - {WAITING_SINCE})::int AS days,
                       {PLACES} AS places, {PLACES_TAKEN} AS places_taken, {shown_on} AS erase_on
                FROM {PARTICIPANTS_FROM} WHERE {participant_where(announced)}
                ORDER BY {participant_order(order, announced)} LIMIT $12 OFFSET $13""",
            *where, page.size, page.offset,
        )
    return render(request, "participants.html", {"rows": rows, "kinds": KINDS, "statuses": STATUSES,
                                                 **filters.place_choices(), "districts": districts(),
                                                 "orders": tuple(ORDERS), "order": order, "pager": page,
                                                 "place_filters": PLACE_FILTERS, "announced": bool(announced),
                                                 "export_query": urlencode(chosen),
                                                 "choices": choices, "codes": codes, "wrong_days": wrong,
                                                 "filtered": bool(chosen.keys() - {"order"})})


async def participant_page(request: web.Request) -> web.Response:
    return await _participant_page(request, path_id(request))


async def _participant_page(request: web.Request, participant_id: uuid.UUID, *, typed_until: str | None = None,
                            refused: pause.Refused | None = None) -> web.Response:
    """The page; with a refused pause date (`refused`, the date as typed in `typed_until`) said at
    the pause form, status 422, as the manage page answers the same date."""
    async with request.app[pool_key].acquire() as conn:
        person = await conn.fetchrow("SELECT * FROM participants WHERE id = $1", participant_id)
        if person is None:
            raise web.HTTPNotFound()
        if person["status"] == "erased":
            # Only what the statistics keep: no per-person record to recognise anyone by.
            return render(request, "participant_erased.html", {"person": person})
        history: dict[str, Any] = {
            # Found through the indexes (privacy.of_participant); `OR o.id = $1`, a test on the joined
            # side, joined every match ever made first (review 9b, F6; docs/performance.md).
            "matches": await conn.fetch(
                f"""SELECT m.*, {sides.COLUMNS} FROM {sides.FROM}
                    WHERE {privacy.of_participant('m.')} ORDER BY m.created_at DESC""", participant_id),
            "offers": await conn.fetch(sides.OFFERS, participant_id),
            "emails": await conn.fetch(EMAILS, participant_id, events.NOTIFICATION_REQUESTED),
            # A "no" withdraws only an earlier "yes"; before any, it is a box left unticked.
            "consents": await conn.fetch(
                """SELECT *, coalesce(bool_or(given) OVER (PARTITION BY purpose ORDER BY recorded_at, id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS given_before
                   FROM consents WHERE participant_id = $1 ORDER BY recorded_at, id""", participant_id),
            "waitlist": await conn.fetch("SELECT * FROM waitlist WHERE newcomer_id = $1", participant_id),
            # What they wrote to the centre at a check-in: read where the coordinator looks at them.
            "messages": await conn.fetch(
                """SELECT match_id, answer, comment, answered_at FROM checkins
                   WHERE participant_id = $1 AND comment IS NOT NULL ORDER BY answered_at DESC""", participant_id),
            "audit": await audit.about_participant(conn, participant_id),
        }
        checked_in = await own_matches.latest_checkins(conn, [m["id"] for m in history["matches"]])
        answered = await own_matches.answers(conn, [m["id"] for m in history["matches"]])
        # A deletion announced for inactivity, while it stands (review 9c, F12): said, with its keep button.
        erase_notice = await inactive.standing(conn, participant_id, inactive_days(request))
    v = for_locale(locale_of(request))
    return render(request, "participant.html", {"person": person, "history": history, "districts": districts(),
                                                "checked_in": checked_in, "answered": answered,
                                                "taken": sides.taken(history["matches"]),
                                                "blocks": offer_blocks.blocks(v, history["offers"],
                                                                              history["matches"]),
                                                "profile_rows": profile.rows(v, person["profile"]),
                                                "pause": _pause_form(request, person, typed_until, refused),
                                                "erase_notice": erase_notice},
                  status=200 if refused is None else 422)


def _pause_form(request: web.Request, person: Any, typed: str | None, refused: pause.Refused | None) -> dict[str, str]:
    """The pause form's date field: the manage page's bounds (pause.parse_until), the stored end or
    the date just refused, and the refusal with the last day allowed as the dashboard writes dates."""
    today = reference.today()
    stored = person["paused_until"].isoformat() if person["paused_until"] else ""
    error = "" if refused is None else gettext(request)(refused.message) % {
        "max": for_locale(locale_of(request)).date(refused.latest)}
    return {"min": (today + timedelta(days=1)).isoformat(), "max": pause.latest(today).isoformat(),
            "value": stored if typed is None else typed, "error": error}


async def participant_action(request: web.Request) -> web.StreamResponse:
    form = await csrf.check(request)
    participant_id = path_id(request)
    action = str(form.get("action", ""))
    coordinator = request[coordinator_key]
    path = f"/dashboard/participants/{participant_id}"
    try:  # the manage page's rule for the day a pause ends (empty: until someone resumes)
        until = pause.parse_until(form.get(pause.FIELD), reference.today()) if action == "pause" else None
    except pause.Refused as refused:
        return await _participant_page(request, participant_id, typed_until=str(form.get(pause.FIELD, "")),
                                       refused=refused)
    async with request.app[pool_key].acquire() as conn, conn.transaction():
        try:
            if action in ("pause", "resume"):
                # Locked: of two clicks (or two coordinators) at once the second sees the first's pause,
                # changes nothing and leaves no second entry nor a second email (review 10c, F2).
                before = await self_service.load(conn, participant_id, lock=True)
                after = await self_service.set_paused(conn, before, action == "pause", until, by_centre=True)
                was = pause.audit_state(before["status"], before["paused_until"])
                if was != (became := pause.audit_state(after, until)):
                    await audit.record(conn, coordinator, f"participant.{action}", "participant", participant_id,
                                       before=was, after=became)
                # The person hears of it in their language, with their page to resume (review 8h, finding 3).
                await pause.tell_of_centre(conn, participant_id, (before["status"], before["paused_until"]),
                                           (after, until if after == "paused" else None))
            elif action == "keep":  # for someone who phoned: the announced deletion does not happen
                if not await inactive.keep_by_centre(conn, participant_id, coordinator, inactive_days(request)):
                    raise back(request, path, "keep_none")
            elif action == "erase" and form.get("confirm") == "yes":
                await privacy.erase(conn, participant_id, privacy.ERASED_BY_CENTRE)
                await audit.record(conn, coordinator, "participant.erase", "participant", participant_id,
                                   after={"status": "erased"})
            else:
                raise back(request, path, "confirm_missing")
        except (self_service.NotFound, privacy.ParticipantGone):
            raise back(request, path, "gone") from None
    raise back(request, path, action)
