"""The review queue with many newcomers (review 8a, finding 1): how many wait, paged, filtered by
kind, planning region, district and a folded name search, the filters kept across a decision, and
a suggestion decided from its match page too."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg
import pytest

from lotse.shared.name_search import search_text
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login

EXPLANATION = [
    {"factor": "language", "contribution": 0.4, "detail": "Both speak English well (B2 and B2)."},
    {"factor": "about", "contribution": 0.0, "detail": "Their own words have 0% in common."},
    {"factor": "waiting", "contribution": 0.0, "detail": "Waiting for 0 days."},
]


def _letters(person: uuid.UUID) -> str:
    """An address without digits: searched with the names, a random "…001…" in it made "Neu 001" two."""
    return person.hex[:12].translate(str.maketrans("0123456789abcdef", "ghijklmnopqrstuv"))


async def _person(pool: asyncpg.Pool, kind: str, name: str, district: str = "16052", days: int = 0,
                  organisation: str | None = None, profile: dict[str, object] | None = None) -> uuid.UUID:
    person = uuid.uuid4()
    await pool.execute(
        """INSERT INTO participants (id, kind, status, name, name_search, email, preferred_locale, district,
                                     profile, verified_at)
           VALUES ($1, $2, 'verified', $3, $4, $5, 'de', $6, $7::jsonb, now() - make_interval(days => $8))""",
        person, kind, name, search_text(name, organisation), f"{_letters(person)}@example.org", district,
        {**(profile or {}), **({"organisation": organisation} if organisation else {})}, days)
    return person


async def _suggest(pool: asyncpg.Pool, kind: str, newcomer: uuid.UUID, counterpart: uuid.UUID,
                   score: float = 0.7) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation)
                          VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
                       match_id, kind, newcomer, counterpart, score, EXPLANATION)
    return match_id


class Queue:
    def __init__(self, newcomers: list[uuid.UUID], mentor_matches: list[uuid.UUID], bus_driver: uuid.UUID):
        self.newcomers, self.mentor_matches, self.bus_driver = newcomers, mentor_matches, bus_driver


@pytest.fixture
async def queue(pool: asyncpg.Pool) -> Queue:
    """40 newcomers, "Neu 000" waiting longest, even ones in Gera (Ostthüringen), odd ones in Erfurt
    (Mittelthüringen), each with a mentor suggestion; "Neu 037" also with a bus driver's post."""
    mentor = await _person(pool, "mentor", "Anna Berger", profile={"capacity": 50})
    employer = await _person(pool, "employer", "Jana Wendt", organisation="Helios Klinikum Gotha")
    position = uuid.uuid4()
    await pool.execute("""INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
                          VALUES ($1, $2, 'Busfahrer/in', 'transport', 2, 'B1')""", position, employer)
    newcomers, mentor_matches = [], []
    for i in range(40):
        name = "Agnieszka Wiśniewska" if i == 38 else f"Neu {i:03d}"
        newcomers.append(await _person(pool, "newcomer", name, "16052" if i % 2 == 0 else "16051", days=100 - i))
        mentor_matches.append(await _suggest(pool, "mentor", newcomers[-1], mentor))
    bus_driver = await _suggest(pool, "employer", newcomers[37], position, score=0.61)
    return Queue(newcomers, mentor_matches, bus_driver)


def _sections(page: str) -> list[str]:
    """The newcomers the queue shows, by the link in each section's heading."""
    return re.findall(r'<h2><a href="/dashboard/participants/([0-9a-f-]+)">', page)


def _section(page: str, newcomer: uuid.UUID) -> str:
    return next(part for part in page.split('<section class="newcomer"')[1:]
                if f'<h2><a href="/dashboard/participants/{newcomer}">' in part)


def _next(page: str) -> str | None:
    found = re.search(r'<a href="([^"]+)" rel="next"', page)
    return html.unescape(found[1]) if found else None


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _count(page: str) -> str:
    """The queue's count line, "40 newcomers waiting · 41 suggestions · Showing 1–30 of 40"."""
    found = re.search(r'<p class="count">(.*?)</p>', page, re.S)
    assert found, "no count line"
    return _text(found[1]).strip()


async def test_the_queue_says_how_many_wait_and_pages_through_all_of_them(
    intake_client: IntakeClient, queue: Queue
) -> None:
    await login(intake_client)
    first = await (await intake_client.get("/dashboard")).text()
    # All who wait, on every page, and which of them this page shows: not "30 of 40 waiting", which
    # read as if the other 10 did not (review 8c, finding 4).
    assert "40 Neuankommende warten · 41 Vorschläge · Angezeigt: 1–30 von 40" in _count(first)
    assert _sections(first) == [str(n) for n in queue.newcomers[:30]]  # longest waiting first
    assert _next(first) == "/dashboard?page=2"
    second = await (await intake_client.get("/dashboard?page=2&lang=en")).text()
    assert "40 newcomers waiting · 41 suggestions · Showing 31–40 of 40" in _count(second)
    assert _sections(second) == [str(n) for n in queue.newcomers[30:]]  # each once, none lost
    assert _next(second) is None and 'rel="prev"' in second
    one = await (await intake_client.get("/dashboard", params={"q": "Neu 001", "lang": "de"})).text()
    assert _count(one) == "1 neuankommende Person wartet · 1 Vorschlag"  # one page: no range
    one = await (await intake_client.get("/dashboard", params={"q": "Neu 001", "lang": "en"})).text()
    assert _count(one) == "1 newcomer waiting · 1 suggestion"
    # Someone far down the queue is found by `at` (a link to them): it opens the page that holds them.
    beyond = await (await intake_client.get("/dashboard", params={"at": str(queue.newcomers[35])})).text()
    assert str(queue.newcomers[35]) in _sections(beyond)


async def test_the_queue_filters_by_kind_region_district_and_name(
    intake_client: IntakeClient, queue: Queue
) -> None:
    await login(intake_client)

    async def shown(**params: str) -> tuple[list[str], str]:
        page = await (await intake_client.get("/dashboard", params=params)).text()
        return _sections(page), page

    sections, page = await shown(kind="employer")
    assert sections == [str(queue.newcomers[37])]
    assert f'id="match-{queue.bus_driver}"' in page and f'id="match-{queue.mentor_matches[37]}"' not in page
    assert (await shown(region="Mittelthüringen"))[0] == [str(n) for n in queue.newcomers[1::2]]
    assert (await shown(district="16052"))[0] == [str(n) for n in queue.newcomers[0::2]]
    assert (await shown(region="Mittelthüringen", district="16052"))[0] == []  # Gera is not in it
    # The folded name search of the participants list: without the diacritic, any case.
    assert (await shown(q="wisniewska"))[0] == [str(queue.newcomers[38])]
    # The counterpart's organisation or the position's title finds the suggestion, and only it.
    for words in ("helios", "busfahrer gotha"):
        sections, page = await shown(q=words)
        assert sections == [str(queue.newcomers[37])], words
        assert f'id="match-{queue.mentor_matches[37]}"' not in page
    sections, page = await shown(q="nobody like this")
    assert sections == [] and "Mit diesen Filtern nichts gefunden." in page
    # The paging links keep the filters, and the form shows them chosen.
    sections, page = await shown(kind="mentor")
    assert len(sections) == 30 and _next(page) == "/dashboard?kind=mentor&page=2"
    assert '<option value="mentor" selected>' in page
    # A kind that does not exist is no filter, and the page does not say it filters: no "Show all",
    # and a decision's way back does not carry it.
    sections, page = await shown(kind="nonsense")
    assert len(sections) == 30 and "Alle zeigen" not in page
    assert f'action="/dashboard/matches/{queue.mentor_matches[0]}/approve"' in page


async def test_a_filter_that_names_nothing_is_not_reported_as_one(intake_client: IntakeClient) -> None:
    """An empty queue asked for a kind that does not exist (or a search of blanks) is empty, not
    'nothing found for these filters': nothing was filtered by."""
    await login(intake_client)
    for params in ({"kind": "nonsense"}, {"q": "   "}):
        page = await (await intake_client.get("/dashboard", params=params)).text()
        assert "Gerade ist nichts zu prüfen." in page, params
        assert "Mit diesen Filtern nichts gefunden." not in page and "Alle zeigen" not in page, params


async def test_a_decision_keeps_the_filters_and_returns_to_the_newcomers_page(
    intake_client: IntakeClient, queue: Queue, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    page = await (await intake_client.get("/dashboard", params={"region": "Mittelthüringen", "kind": "mentor"})).text()
    action = f"/dashboard/matches/{queue.mentor_matches[35]}/approve?kind=mentor&amp;region=Mittelth%C3%BCringen"
    assert f'action="{action}"' in page  # the form carries the filters
    decided = await intake_client.post(html.unescape(action), data={"csrf": csrf}, allow_redirects=False)
    # On to the next newcomer the filters show (36 is in Gera, so 37), with the filters.
    nxt = queue.newcomers[37]
    assert decided.headers["Location"] == (f"/dashboard?msg=approved&at={nxt}&kind=mentor"
                                           f"&region=Mittelth%C3%BCringen&decided={queue.mentor_matches[35]}"
                                           f"#newcomer-{nxt}")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", queue.mentor_matches[35]) == "approved"
    # Without the filters, the same newcomer is on the queue's second page: `at` opens it, with the message.
    reject = f"/dashboard/matches/{queue.mentor_matches[33]}/reject"
    refused = await intake_client.post(reject, data={"csrf": csrf}, allow_redirects=False)
    assert refused.headers["Location"] == f"/dashboard?msg=reason_missing&at={queue.newcomers[33]}" \
                                          f"#newcomer-{queue.newcomers[33]}"
    back = await (await intake_client.get(refused.headers["Location"].split("#")[0])).text()
    assert "Bitte einen Grund angeben." in _section(back, queue.newcomers[33])
    assert back.count("Bitte einen Grund angeben.") == 1


async def test_a_suggestion_is_decided_on_its_match_page(
    intake_client: IntakeClient, queue: Queue, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    match_id = queue.bus_driver
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}")).text()
    assert f'action="/dashboard/matches/{match_id}/approve?from=match"' in page
    assert f'formaction="/dashboard/matches/{match_id}/reject?from=match"' in page
    assert f'<input type="hidden" name="csrf" value="{csrf}">' in page
    rejected = await intake_client.post(f"/dashboard/matches/{match_id}/reject?from=match",
                                        data={"csrf": csrf, "reason": "not_a_good_fit", "note": "Kein Führerschein"},
                                        allow_redirects=False)
    assert rejected.status == 303 and rejected.headers["Location"] == f"/dashboard/matches/{match_id}?msg=rejected"
    row = await pool.fetchrow("SELECT status, end_reason, reason FROM matches WHERE id = $1", match_id)
    assert row["status"] == "rejected" and row["end_reason"] == "not_a_good_fit"
    assert "Kein Führerschein" in row["reason"]
    assert await pool.fetchval("SELECT detail FROM audit_log WHERE action = 'match.reject' AND subject_id = $1",
                               match_id) == "not_a_good_fit"
    after = await (await intake_client.get(rejected.headers["Location"])).text()
    assert "Abgelehnt." in after and f"/dashboard/matches/{match_id}/approve" not in after
    # The same CSRF check as in the queue.
    other = queue.mentor_matches[0]
    forged = await intake_client.post(f"/dashboard/matches/{other}/approve?from=match", data={"csrf": "forged"},
                                      allow_redirects=False)
    assert forged.status == 403
    approved = await intake_client.post(f"/dashboard/matches/{other}/approve?from=match", data={"csrf": csrf},
                                        allow_redirects=False)
    assert approved.headers["Location"] == f"/dashboard/matches/{other}?msg=approved"
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'match.approve' AND subject_id = $1",
                               other) == 1


async def test_the_queue_and_the_match_page_name_a_suggestions_buttons_alike(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """A screen reader's button names for one suggestion are the same wherever it is decided, also
    for an employer who gave no organisation (named by their own name, not by nothing)."""
    await login(intake_client)
    employer = await _person(pool, "employer", "Jana Wendt")
    position = uuid.uuid4()
    await pool.execute("""INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
                          VALUES ($1, $2, 'Busfahrer/in', 'transport', 1, 'B1')""", position, employer)
    match_id = await _suggest(pool, "employer", await _person(pool, "newcomer", "Olena Koval"), position)
    names = []
    for path in ("/dashboard", f"/dashboard/matches/{match_id}"):
        page = await (await intake_client.get(path)).text()
        names.append(re.findall(r'aria-label="([^"]+)">(?:Freigeben|Ablehnen)</button>', page))
        if path == "/dashboard":  # the card's heading names it as its buttons do
            assert (f'<h3><a href="/dashboard/matches/{match_id}">Stelle: <bdi>Busfahrer/in – Jana Wendt</bdi></a></h3>'
                    in page)
    assert names[0] == names[1] == ["Freigeben: Stelle Busfahrer/in – Jana Wendt für Olena Koval",
                                    "Ablehnen: Stelle Busfahrer/in – Jana Wendt für Olena Koval"]
