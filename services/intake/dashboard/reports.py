"""Statistics page (charts from the same figures as GET /api/v1/stats), CSV exports, audit log."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import asyncpg
from aiohttp import web
from markupsafe import Markup

from lotse.intake import audit, participants_view, retention, stats
from lotse.intake.dashboard import audit_log, history, pages, paging, sides
from lotse.intake.dashboard.charts import bar_chart, figure_table
from lotse.intake.dashboard.render import district_name, gettext, locale_of, render
from lotse.intake.dashboard.vocabulary import GROUPS, ZONE, Vocabulary, for_locale
from lotse.intake.typedefs import coordinator_key, pool_key
from lotse.intake.web.labels import ORGANISATION_KINDS
from lotse.shared import matches

BOM: Final = "\ufeff"  # so spreadsheet programs read UTF-8 (umlauts, Cyrillic) correctly
# An erased person's times are kept to the month, the month as the coordinators' clock has it
# (1 November, not 31 October 23:00 UTC). The zone's name is ours, never typed by a user.
_MONTH: Final = f"'month', %s, '{ZONE}'"
# A text cell starting with one of these is read as a formula by Excel and LibreOffice (OWASP "CSV
# injection"): names, titles and reasons are typed by anyone who registers.
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def _state_label(_: Callable[[str], str], v: Vocabulary, state: str) -> str:
    """A bar of "Matches by state": withdrawn suggestions are deleted WITHDRAWN_DAYS after their
    withdrawal (retention), so that bar counts only those days and says so (review 9d, D5)."""
    label = v.label("match_status", state)
    if state == matches.WITHDRAWN:
        return _("%(state)s (last %(days)s days)") % {"state": label, "days": retention.WITHDRAWN_DAYS}
    return label


async def stats_page(request: web.Request) -> web.Response:
    _ = gettext(request)
    v = for_locale(locale_of(request))
    async with request.app[pool_key].acquire() as conn:
        figures = await stats.collect(conn)
        offers = await stats.offer_capacity(conn)
    weekly = [(_week(v, week), float(sum(kinds.values())))
              for week, kinds in sorted(figures["registrations_per_week"].items())]
    regions = sorted(figures["newcomers_waiting_by_planning_region"].items())
    load = figures["mentor_load"]
    rows = {
        "weekly": (_("Registrations per week"), weekly),
        "regions": (_("Newcomers waiting, by planning region"), [(r, float(n)) for r, n in regions]),
        "unmet": (_("Unmet needs (why newcomers wait)"),
                  [(v.label("unmet", code), float(n)) for code, n in figures["unmet_needs"].items()]),
        "matches": (_("Matches by state"), [(_state_label(_, v, s), float(figures["matches"][s]))
                                            for s in matches.IN_ORDER if s in figures["matches"]]),
        "load": (_("Mentor places"), [(_("places"), float(load["places"])), (_("taken"), float(load["places_taken"]))]),
        "courses": (_("Places in German courses not yet started"),
                    [(_("free"), float(offers["course_places"]["free"])),
                     (_("taken"), float(offers["course_places"]["taken"]))]),
        "positions": (_("Open positions by occupation field"),
                      [(v.label("occupation", field), float(n))
                       for field, n in offers["open_positions_by_field"].items()]),
    }
    charts = {key: {"title": title, "svg": Markup(bar_chart(title, data)), "table": Markup(figure_table(title, data))}
              for key, (title, data) in rows.items()}
    return render(request, "stats.html", {"figures": figures, "charts": charts})


def _week(v: Vocabulary, iso_week: str) -> str:
    """"2026-W47" (the API's key) as the date its Monday has in the coordinator's language."""
    year, _, week = iso_week.partition("-W")
    try:
        return v._("week of %(date)s") % {"date": v.date(date.fromisocalendar(int(year), int(week), 1))}
    except ValueError:
        return iso_week


def _cell(value: object) -> object:
    """A value as the German Excel the centre uses reads it with the ";" separator: a time in the
    coordinators' zone to the second ("2026-11-24 01:52:54", a date Excel recognises), a fraction
    with a decimal comma ("0,1506", a number, not text). Text that a spreadsheet would run as a
    formula gets a leading "'", which shows it as text; numbers (a negative score too) stay numbers."""
    if isinstance(value, datetime):
        return value.astimezone(ZONE).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


# Rows per fetch from the export's cursor and per write to the response: a year's matches.csv
# (hundreds of thousands of rows) is never whole in memory, and the event loop serves other
# requests between chunks (review 9b, F2).
CHUNK: Final = 500


def _lines(writer: Any, buffer: io.StringIO, rows: Iterable[list[object]]) -> bytes:
    """The rows as CSV lines, encoded; each chunk ends with a whole row, so no character is split."""
    writer.writerows([_cell(value) for value in row] for row in rows)
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


async def _audited(request: web.Request, conn: asyncpg.Connection, subject: str, count: str,
                   args: Sequence[object], detail: str | None) -> None:
    """The export's audit entry, committed before a byte of it leaves (a download cut short, or a
    process stopped halfway, has given away rows too), with the rows it holds as it begins."""
    async with conn.transaction():
        rows = await conn.fetchval(count, *args)
        await audit.record(conn, request[coordinator_key], f"{subject}.csv_export", subject, None,
                           after={"rows": rows}, detail=detail)


async def _stream_csv(request: web.Request, conn: asyncpg.Connection, name: str, header: list[str], query: str,
                      args: Sequence[object], shape: Callable[[asyncpg.Record], list[object]]) -> web.StreamResponse:
    """The query's rows as a CSV download, read through a server-side cursor (its transaction) and
    written CHUNK rows at a time: the same bytes the whole body had (BOM, header, ";"), sent
    chunked, so without a Content-Length."""
    async with conn.transaction():
        return await _write_csv(request, await conn.cursor(query, *args), name, header, shape)


async def _write_csv(request: web.Request, cursor: asyncpg.cursor.Cursor[asyncpg.Record], name: str,
                     header: list[str], shape: Callable[[asyncpg.Record], list[object]]) -> web.StreamResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    batch = await cursor.fetch(CHUNK)  # before the headers go out: a failing query is still a 500
    response = web.StreamResponse(
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
    response.content_type = "text/csv"
    response.charset = "utf-8"
    await response.prepare(request)
    buffer.write(BOM)
    writer.writerow(header)
    try:
        while True:
            await response.write(_lines(writer, buffer, (shape(r) for r in batch)))
            if len(batch) < CHUNK:
                break
            batch = await cursor.fetch(CHUNK)
        await response.write_eof()
    except ConnectionResetError:  # the download was cancelled: nobody to write to, nothing went wrong here
        pass
    return response


async def participants_csv(request: web.Request) -> web.StreamResponse:
    """The people the participants list shows with the same query (its filters and order, every
    page); without one, everyone. The list's link says which."""
    filters, order = pages.participant_filters(request)
    # The district's name beside its code: the code stays for sorting and lookups, the name is
    # what a person reads ("Saale-Holzland-Kreis", not "16074").
    # New columns go at the end: a reader by column position finds the old columns where they were.
    # A mentor's places offered and taken (the list's Places column, by the API's rule: participants_view)
    # and since when someone waits (its "Waiting (days)": pages.WAITING_SINCE, empty for a mentor
    # without free places). Then how far a newcomer would commute for a job (km; empty: anywhere, and
    # for the other kinds). Last, the person's own spelling of their name in Latin letters
    # (name_latin: "Fatemeh Hosseini" for فاطمه حسینی; empty when none was given, and, as the name,
    # for an erased person). After it, the day a standing deletion notice names (the list's
    # "deletion announced for …", pages.announced_on; empty for everyone else).
    header = ["id", "kind", "status", "name", "email", "locale", "district", "district_name", "registered",
              "verified", "organisation", "places", "places_taken", "waiting_since", "max_commute_km",
              "name_latin", "announced_deletion_on"]
    announced_on, announced = pages.announced_on(request), pages.deletion_announced(request)
    query = participants_query(order, announced_on, announced)
    args = [*filters, list(ORGANISATION_KINDS)]
    async with request.app[pool_key].acquire() as conn:
        # Counted as the list counts them: not the export's query wrapped, which sorted every row to count it.
        await _audited(request, conn, "participant", pages.participant_count(announced_on if announced else None),
                       filters, _export_filters(request, pages.FILTER_PARAMS))
        return await _stream_csv(request, conn, "participants.csv", header, query, args,
                                 lambda r: [*r[:7], district_name(r[6]), *r[7:]])


def participants_query(order: str, announced_on: str, announced: bool = False) -> str:
    """participants.csv's rows: the participants list's filters ($1…$11; ?deletion=announced:
    `announced`) and order (pages.ORDERS); $12 the kinds of participant that have an organisation.
    ``announced_on``: the SQL of the standing notice's day (pages.announced_on)."""
    chosen = announced_on if announced else None
    # An erased person's row: kind, status and months only, as on their page.
    return f"""SELECT id, kind, status, name, email, preferred_locale,
                      CASE WHEN status = 'erased' THEN NULL ELSE district END,
                      CASE WHEN status = 'erased' THEN date_trunc({_MONTH % "created_at"}) ELSE created_at END,
                      CASE WHEN status = 'erased' THEN date_trunc({_MONTH % "verified_at"}) ELSE verified_at END,
                      CASE WHEN kind = ANY($12::text[]) THEN profile->>'organisation' END,
                      {participants_view.SHOWN_PLACES}, {participants_view.SHOWN_PLACES_TAKEN},
                      CASE WHEN status <> 'erased' AND kind IN ('newcomer', 'mentor') THEN {pages.WAITING_SINCE} END,
                      CASE WHEN status <> 'erased' AND kind = 'newcomer' THEN (profile->>'max_commute_km')::int END,
                      CASE WHEN status <> 'erased' THEN profile->>'name_latin' END, {announced_on}
               FROM {pages.PARTICIPANTS_FROM} WHERE {pages.participant_where(chosen)}
               ORDER BY {pages.participant_order(order, chosen)}"""


def _export_filters(request: web.Request, params: Iterable[str]) -> str | None:
    """The list's filters an export followed, for its audit entry ("kind=newcomer, status=verified"):
    codes only; a search's words may be a name, so only that there was one. A value is recorded as
    given (an unknown one filters by nothing), but PostgreSQL text cannot hold U+0000: as in the
    search (filters.search_patterns), it stands for a space, or the export answered 500."""
    chosen = [f"{name}={'…' if name == 'q' else request.query[name][:40].replace(chr(0), ' ')}"
              for name in params if request.query.get(name)]
    return ", ".join(chosen) or None


# matches.csv's filters: the matches list's (pages.MatchesList: status, kind, the flag's reason, only
# flagged, the search), and without=withdrawn to leave out withdrawn suggestions (most rows after a
# year) or withdrawn=1 to keep them. Without any, every match: what a coordinator who needs
# everything downloads (docs/decisions.md, "The matches list at a year's size"; review 9c, F6).
MATCH_EXPORT_PARAMS: Final = ("status", "kind", "without", "flag", "flagged", "q", "withdrawn")


def matches_query(params: Mapping[str, str]) -> tuple[str, str, list[object]]:
    """matches.csv's query, the query counting its rows, and their arguments, by the filters in the
    query string: the list's own code (pages.MatchesList.exported), so the list's link downloads what
    it shows."""
    chosen = pages.MatchesList.exported(params)
    where, args = chosen.where
    # A match touching an erased person keeps its months only, as on its page. The flag at the end.
    return (f"""SELECT m.id, m.kind, m.status, m.newcomer_id, m.counterpart_id, m.score, m.model_version,
                       CASE WHEN x.touches_erased THEN date_trunc({_MONTH % "m.created_at"}) ELSE m.created_at END,
                       CASE WHEN x.touches_erased THEN date_trunc({_MONTH % "m.decided_at"}) ELSE m.decided_at END,
                       m.reason, x.newcomer_name, x.other_id, x.other_name, x.offer_title,
                       m.end_reason, m.ended_by_side, {pages.FLAG_SHOWN} AS flag_code
                FROM {sides.FROM} CROSS JOIN LATERAL (SELECT {sides.COLUMNS}) x
                WHERE {where} ORDER BY m.created_at, m.id""",
            # Counted without the joins unless a search needs the names: each match is one row.
            f"SELECT count(*) FROM {chosen.source} WHERE {where}", list(args))


MATCHES_HEADER: Final = ["id", "kind", "status", "newcomer_id", "counterpart_id", "score", "model", "created",
                         "decided", "reason", "newcomer_name", "counterpart_participant_id", "counterpart_name",
                         "counterpart_title", "reason_code", "flag_code"]


def match_row(v: Vocabulary, r: asyncpg.Record) -> list[object]:
    """One matches.csv row. New columns at the end: a reader by column position finds the old
    columns where they were. flag_code: why the match is flagged, as a code like status and kind
    (matches.FLAGS; empty when it is not, or its flag is on an ended match, pages.FLAG_SHOWN)."""
    return [*r[:9], history.ending(v, r), *r[10:14], r["end_reason"], r["flag_code"]]


async def matches_csv(request: web.Request) -> web.StreamResponse:
    """Every match, or those the matches list shows with the same filters (MATCH_EXPORT_PARAMS).
    Why it stopped reads as on its page, in the coordinator's language
    ("Passt nicht: spricht kein Russisch"); reason_code keeps the code (matches.end_reason) for
    filters and formulas, whoever downloaded the file."""
    v = for_locale(locale_of(request))
    query, count, args = matches_query(request.query)
    async with request.app[pool_key].acquire() as conn:
        await _audited(request, conn, "match", count, args,
                       _export_filters(request, MATCH_EXPORT_PARAMS))
        return await _stream_csv(request, conn, "matches.csv", MATCHES_HEADER, query, args, lambda r: match_row(v, r))


LOGIN_ACTION: Final = "coordinator.login"  # login_throttle's audit entry of every login


async def audit_page(request: web.Request) -> web.Response:
    def as_uuid(name: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(request.query[name]) if request.query.get(name) else None
        except ValueError:
            return None

    # logins=hide: every entry but the logins (one row each, review 9c F8), a plain GET tick box.
    chosen: dict[str, Any] = {"actor_id": as_uuid("actor"), "subject_id": as_uuid("subject"),
                              "action": request.query.get("action") or None,
                              "without_action": LOGIN_ACTION if request.query.get("logins") == "hide" else None}
    async with request.app[pool_key].acquire() as conn:
        page = paging.pager(request, await audit.count(conn, **chosen))
        entries = await audit_log.entries(conn, **chosen, limit=page.size, offset=page.offset)
        actors = await conn.fetch("SELECT id, email FROM coordinators ORDER BY email")
    return render(request, "audit.html", {"entries": entries, "actors": actors, "pager": page,
                                          "actions": list(GROUPS["audit_action"])})
