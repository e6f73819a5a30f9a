"""Review 9b, F2 and F4: the CSV exports are streamed in chunks (the same bytes as the whole body
had), matches.csv takes the matches list's filters, and the matches list shows flagged matches
first, then the rest newest first, without withdrawn suggestions unless asked."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from lotse.intake.dashboard import pages, reports
from lotse.intake.dashboard.vocabulary import for_locale
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _people(pool: asyncpg.Pool) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A newcomer whose name is multi-byte UTF-8 and 60 mentors, one a formula ("=HYPERLINK…")."""
    newcomer, mentors = uuid.uuid4(), [uuid.uuid4() for _ in range(60)]
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district)
           VALUES ($1, $2, 'verified', $3, $4, 'de', '16053')""",
        [(newcomer, "newcomer", "Nguyễn Thị Lan 阮氏蘭", f"lan.{newcomer.hex[:8]}@example.org"),
         *[(m, "mentor", "=HYPERLINK(1)" if i == 0 else f"Мария Öztürk {i:02d}", f"m{i}.{m.hex[:8]}@example.org")
           for i, m in enumerate(mentors)]])
    return newcomer, mentors


async def _matches(pool: asyncpg.Pool, newcomer: uuid.UUID, mentors: list[uuid.UUID], statuses: list[str],
                   flagged: int = 0) -> list[uuid.UUID]:
    """One match per status, a minute apart (the last the newest); the first `flagged` of them
    active and flagged, flagged earliest first."""
    ids = [uuid.uuid4() for _ in statuses]
    await pool.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, created_at, reason,
                                flagged_at, flag_code)
           VALUES ($1, 'mentor', $2, $3, 0.25, $4, $5, $6, $7, $8)""",
        [(mid, newcomer, mentors[i % len(mentors)], "active" if i < flagged else status,
          T0 + timedelta(minutes=i), "-passt nicht; „zu weit“" if status == "rejected" else None,
          T0 + timedelta(days=1, minutes=i) if i < flagged else None, "unanswered" if i < flagged else None)
         for i, (mid, status) in enumerate(zip(ids, statuses, strict=True))])
    return ids


def _buffered(header: list[str], rows: list[list[object]]) -> bytes:
    """The export as it was built before review 9b (one StringIO, one body): what the stream must equal."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows([reports._cell(value) for value in row] for row in rows)
    return (reports.BOM + buffer.getvalue()).encode("utf-8")


async def test_matches_csv_is_streamed_in_chunks_with_the_bytes_of_the_whole_body(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(intake_client)
    newcomer, mentors = await _people(pool)
    await _matches(pool, newcomer, mentors, ["withdrawn", "rejected", "completed"] * 345 + ["declined"] * 2)
    monkeypatch.setattr(reports, "CHUNK", 7)  # 1,037 rows: 149 chunks, the last one short

    response = await intake_client.get("/dashboard/export/matches.csv")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="matches.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Length" not in response.headers and response.headers["Transfer-Encoding"] == "chunked"
    # Read in pieces of 5 bytes: most cut a Vietnamese, Chinese or Cyrillic character in two.
    body = b"".join([piece async for piece in response.content.iter_chunked(5)])

    query, _, args = reports.matches_query({})
    v = for_locale("de")
    expected = _buffered(reports.MATCHES_HEADER, [reports.match_row(v, r) for r in await pool.fetch(query, *args)])
    assert body == expected
    text = body.decode("utf-8-sig")
    assert text.count("Nguyễn Thị Lan 阮氏蘭") == 1037 and "'=HYPERLINK(1)" in text and "\ufeff" not in text
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 1037 and rows[-1]["status"] == "declined"
    entry = await pool.fetchrow("SELECT after, detail FROM audit_log WHERE action = 'match.csv_export'")
    assert entry is not None and entry["after"] == {"rows": 1037} and entry["detail"] is None


async def test_participants_csv_is_streamed_too(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(intake_client)
    await _people(pool)
    monkeypatch.setattr(reports, "CHUNK", 4)
    response = await intake_client.get("/dashboard/export/participants.csv?kind=mentor")
    assert "Content-Length" not in response.headers and response.headers["Cache-Control"] == "no-store"
    text = (await response.read()).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 60 and {r["kind"] for r in rows} == {"mentor"}
    assert "'=HYPERLINK(1)" in {r["name"] for r in rows} and rows[0]["district_name"] == "Jena"
    entry = await pool.fetchrow("SELECT after, detail FROM audit_log WHERE action = 'participant.csv_export'")
    assert entry is not None and entry["after"] == {"rows": 60} and entry["detail"] == "kind=mentor"


async def test_participants_csv_counts_its_rows_as_the_list_counts_them(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit entry's count is the list's own count, not the export's query (its columns and
    order) wrapped in a count, which sorted every row it counted."""
    await login(intake_client)
    await _people(pool)
    counted: list[str] = []
    fetchval = asyncpg.connection.Connection.fetchval

    async def spied(self: asyncpg.Connection, query: str, *args: object, **kwargs: object) -> object:
        counted.append(query)
        return await fetchval(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.connection.Connection, "fetchval", spied)
    response = await intake_client.get("/dashboard/export/participants.csv?kind=mentor&order=name")
    assert response.status == 200 and len((await response.read()).decode("utf-8-sig").splitlines()) == 61
    assert counted == [pages.participant_count(None)]
    entry = await pool.fetchrow("SELECT after FROM audit_log WHERE action = 'participant.csv_export'")
    assert entry is not None and entry["after"] == {"rows": 60}


async def test_matches_csv_takes_status_kind_and_without_withdrawn(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    newcomer, mentors = await _people(pool)
    ids = await _matches(pool, newcomer, mentors, ["withdrawn"] * 5 + ["rejected"] * 3 + ["suggested"] * 2)

    async def exported(query: str) -> list[str]:
        text = (await (await intake_client.get(f"/dashboard/export/matches.csv{query}")).read()).decode("utf-8-sig")
        return [row["id"] for row in csv.DictReader(io.StringIO(text), delimiter=";")]

    assert await exported("") == [str(i) for i in ids]  # everything, oldest first, as before
    assert await exported("?without=withdrawn") == [str(i) for i in ids[5:]]
    assert await exported("?status=rejected") == [str(i) for i in ids[5:8]]
    assert await exported("?kind=employer") == []
    assert await exported("?kind=mentor&status=withdrawn") == [str(i) for i in ids[:5]]
    assert await exported("?status=nonsense&without=nothing") == [str(i) for i in ids]  # unknown: not filtered by
    details = [r["detail"] for r in await pool.fetch(
        "SELECT detail FROM audit_log WHERE action = 'match.csv_export' ORDER BY id")]
    assert details[:4] == [None, "without=withdrawn", "status=rejected", "kind=employer"]


def _listed(page: str) -> list[str]:
    return re.findall(r'href="/dashboard/matches/([0-9a-f-]{36})"', page)


async def test_the_matches_list_shows_flagged_first_then_the_newest_without_withdrawn_suggestions(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    newcomer, mentors = await _people(pool)
    statuses = ["rejected"] * 3 + ["withdrawn", "rejected"] * 100
    ids = await _matches(pool, newcomer, mentors, statuses, flagged=3)
    flagged, rest = ids[:3], ids[3:]
    shown = [i for i, status in zip(rest, statuses[3:], strict=True) if status != "withdrawn"][::-1]

    first = await (await intake_client.get("/dashboard/matches")).text()
    assert "1–100 von 103" in first
    # Flagged first (the earliest flag first), then newest first; no withdrawn suggestion.
    assert _listed(first) == [str(i) for i in flagged] + [str(i) for i in shown[:97]]
    assert 'href="/dashboard/export/matches.csv?without=withdrawn"' in first
    assert 'name="withdrawn" value="1">' in first and "mit zurückgezogenen Vorschlägen" in first
    second = await (await intake_client.get("/dashboard/matches?page=2")).text()
    assert "101–103 von 103" in second and _listed(second) == [str(i) for i in shown[97:]]

    everything = await (await intake_client.get("/dashboard/matches?withdrawn=1&page=2")).text()
    assert "101–200 von 203" in everything and 'name="withdrawn" value="1" checked>' in everything
    assert _listed(everything) == [str(i) for i in rest[::-1][97:197]]
    assert 'href="/dashboard/export/matches.csv"' in everything  # the unfiltered export
    withdrawn = await (await intake_client.get("/dashboard/matches?status=withdrawn")).text()
    assert "1–100 von 100" in withdrawn
    assert 'href="/dashboard/export/matches.csv?status=withdrawn"' in html.unescape(withdrawn)
    only_flagged = await (await intake_client.get("/dashboard/matches?flagged=1&withdrawn=1")).text()
    assert _listed(only_flagged) == [str(i) for i in flagged]


async def test_an_exports_filter_with_a_nul_character_is_audited_not_a_server_error(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """PostgreSQL text cannot hold U+0000 (review 9a, F7, for the search): a filter's value is written
    into the export's audit entry, and a NUL in it answered 500 instead of the download."""
    await login(intake_client)
    await _people(pool)
    for name in pages.FILTER_PARAMS:
        response = await intake_client.get("/dashboard/export/participants.csv", params={name: "a\x00b"})
        assert response.status == 200, name
    for name in reports.MATCH_EXPORT_PARAMS:
        response = await intake_client.get("/dashboard/export/matches.csv", params={name: "a\x00b"})
        assert response.status == 200, name
    details = [r["detail"] for r in await pool.fetch("SELECT detail FROM audit_log WHERE action LIKE '%.csv_export' "
                                                     "ORDER BY id")]
    assert len(details) == len(pages.FILTER_PARAMS) + len(reports.MATCH_EXPORT_PARAMS)
    assert "status=a b" in details and "q=…" in details
