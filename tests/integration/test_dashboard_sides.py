"""Findings 1 and 12 of the second review: every match names both sides on the dashboard, and an
erased person leaves no per-person record there (only what the statistics count)."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.intake import accounts
from lotse.intake.auth import SESSION_COOKIE
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_dashboard import _suggest, _verified


async def login(client: IntakeClient, pool: asyncpg.Pool) -> None:
    """A dashboard session without the login form (its throttling and redirects are tested elsewhere)."""
    async with pool.acquire() as conn:
        coordinator = await accounts.authenticate(conn, COORDINATOR_EMAIL, COORDINATOR_PASSWORD)
        assert coordinator is not None
        session = await accounts.open_session(conn, coordinator, "cookie")
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: session.token})


async def _course_match(pool: asyncpg.Pool, newcomer: uuid.UUID, provider: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 LIMIT 1", provider)
    match_id = uuid.uuid4()
    await pool.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status) "
                       "VALUES ($1, 'language_course', $2, $3, 0.6, 'introduced')", match_id, newcomer, course)
    return match_id, course


async def test_every_match_names_both_sides_and_the_counterpart_shows_its_places(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Li Wei"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="Renate Albrecht", capacity=2))
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(organisation="VHS Gera"))
    mentor_match = await _suggest(pool, newcomer, mentor)
    await pool.execute("UPDATE matches SET status = 'active' WHERE id = $1", mentor_match)
    course_match, course = await _course_match(pool, newcomer, provider)
    await login(intake_client, pool)

    listing = await (await intake_client.get("/dashboard/matches")).text()
    assert f'/dashboard/participants/{mentor}">Renate Albrecht</a>' in listing
    assert f'/dashboard/participants/{provider}">VHS Gera</a>' in listing and "Deutsch B1 am Wochenende" in listing
    page = await (await intake_client.get(f"/dashboard/matches/{mentor_match}")).text()
    assert f'/dashboard/participants/{newcomer}">Li Wei</a>' in page and "Renate Albrecht" in page
    page = await (await intake_client.get(f"/dashboard/matches/{course_match}")).text()
    assert "Deutsch B1 am Wochenende" in page and "VHS Gera" in page

    mentor_page = await (await intake_client.get(f"/dashboard/participants/{mentor}")).text()
    assert f'/dashboard/participants/{newcomer}">Li Wei</a>' in mentor_page
    assert "Belegte Plätze: 1 von 2" in mentor_page
    provider_page = await (await intake_client.get(f"/dashboard/participants/{provider}")).text()
    # One block per course (review 8a, finding 10): its title, then its places.
    assert "Li Wei" in provider_page and ">Deutsch B1 am Wochenende</h3><p>1 von" in provider_page
    newcomer_page = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    assert "Renate Albrecht" in newcomer_page and "VHS Gera" in newcomer_page

    csv = (await (await intake_client.get("/dashboard/export/matches.csv")).read()).decode("utf-8-sig")
    header, *lines = csv.splitlines()
    assert header.endswith("newcomer_name;counterpart_participant_id;counterpart_name;counterpart_title;reason_code;"
                           "flag_code")
    assert any(str(course) in line and line.endswith(f"Li Wei;{provider};VHS Gera;Deutsch B1 am Wochenende;;")
               for line in lines)


async def test_an_erased_person_leaves_only_what_the_statistics_count(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena Kovalenko"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger"))
    match_id = await _suggest(pool, newcomer, mentor)
    await pool.execute("UPDATE matches SET status = 'completed', decided_at = now(), reason = 'other: met her at the '"
                       "|| 'library', end_reason = 'other' WHERE id = $1", match_id)
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer, comment) "
                       "VALUES ($1, $2, 'counterpart', 'good', 'Olena und ich treffen uns in Jena.')", match_id, mentor)
    erased = await intake_client.delete(f"/api/v1/participants/{newcomer}", headers=coordinator_headers)
    assert erased.status == 204
    await login(intake_client, pool)

    page = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    assert "Gelöschte Person" in page and "Neu angekommen" in page
    for trace in ("Gera", "Vietnam", "Pflege", "Einwilligung", "Sabine"):
        assert trace not in page, trace
    assert [len(t) for t in _times(page)] == [7], "erased in a month, and no other time"
    match_page = await (await intake_client.get(f"/dashboard/matches/{match_id}")).text()
    assert "gelöschte Person" in match_page and "Sabine Krüger" in match_page  # the mentor is still here
    for trace in ("Englisch", "Kinderbetreuung", "treffen uns", "library", 'class="explanation"'):
        assert trace not in match_page, trace
    assert all(len(t) == 7 for t in _times(match_page)), "times finer than a month"
    listed = await (await intake_client.get("/dashboard/participants", params={"status": "erased"})).text()
    row = next(r for r in listed.split("<tr>") if f"/dashboard/participants/{newcomer}" in r)
    assert "Gera" not in row and re.search(r'<td data-label="[^"]*">–</td>', row), \
        "the list names no district of an erased person"
    listed = await (await intake_client.get("/dashboard/participants", params={"status": "erased"})).text()
    row = next(r for r in listed.split("<tr>") if f"/dashboard/participants/{newcomer}" in r)
    assert "Gera" not in row and re.search(r'<td data-label="[^"]*">–</td>', row), \
        "the list names no district of an erased person"
    mentor_page = await (await intake_client.get(f"/dashboard/participants/{mentor}")).text()
    assert "gelöschte Person" in mentor_page and "Olena" not in mentor_page

    export = await intake_client.get(f"/api/v1/participants/{newcomer}/export", headers=coordinator_headers)
    exported = await export.json()
    # The match row is still stored under the person's id: listed as the match list shows it (review 8i,
    # finding 5), without the words and sentences erasure removed.
    assert export.status == 200 and [m["id"] for m in exported.pop("matches")] == [str(match_id)]
    assert exported == {
        "participant": {"id": str(newcomer), "kind": "newcomer", "status": "erased"},
        "responses": [], "checkins": [], "audit": [], "emails": [], "waitlist": [], "email_changes": [],
        "registration_versions": []}
    for trace in ("Olena", "Sabine", "library", "treffen uns", "Englisch", "English", "childcare"):
        assert trace not in await export.text(), trace
    stored = await pool.fetchrow("SELECT explanation, reason FROM matches WHERE id = $1", match_id)
    assert all("detail" not in e for e in stored["explanation"]) and stored["reason"] == "other"
    assert await pool.fetchval("SELECT count(*) FROM consents WHERE participant_id = $1", newcomer) == 0
    assert await pool.fetchval("SELECT comment FROM checkins WHERE match_id = $1", match_id) is None
    stats = await (await intake_client.get("/api/v1/stats", headers=coordinator_headers)).json()
    assert stats["participants"]["newcomer"]["erased"] >= 1


def _times(html: str) -> list[str]:
    import re

    return re.findall(r'<time datetime="([^"]+)"', html)


async def test_a_closed_course_or_position_is_marked_closed_and_new_mail_types_have_labels(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Li Wei"))
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(organisation="VHS Gera"))
    _, course = await _course_match(pool, newcomer, provider)
    await pool.execute("INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, "
                       "starts_on, childcare) SELECT gen_random_uuid(), provider_id, 'Deutsch A2 offen', level, "
                       "schedule, format, district, 5, starts_on, childcare FROM courses WHERE id = $1", course)
    await pool.execute("UPDATE courses SET closed_at = '2026-03-02 10:00+01' WHERE id = $1", course)
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    await pool.execute("UPDATE positions SET closed_at = '2026-04-15 12:00+02' WHERE employer_id = $1", employer)
    for kind in ("already_registered", "manage_link"):
        await pool.execute("INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, locale, "
                           "status) VALUES ($1, $2, $3, $1, $4, 'de', 'sent')",
                           uuid.uuid4(), uuid.uuid4().hex, kind, provider)
    await login(intake_client, pool)

    provider_page = await (await intake_client.get(f"/dashboard/participants/{provider}")).text()
    [closed] = [line for line in provider_page.splitlines() if ">Deutsch B1 am Wochenende</h3><p>1 von" in line]
    assert "geschlossen am" in closed and "2026-03-02" in closed  # the <time> of the closing day
    assert ">Deutsch A2 offen</h3><p>0 von 5 belegt</p>" in provider_page  # an open one says nothing more
    assert "Schon angemeldet" in provider_page and "Neuer Link zur Anmeldung" in provider_page
    employer_page = await (await intake_client.get(f"/dashboard/participants/{employer}")).text()
    assert ">Elektroniker/in</h3><p>0 von 3 belegt" in employer_page and "2026-04-15" in employer_page
    assert "geschlossen am" in employer_page


async def test_the_audit_log_names_who_a_match_is_about_and_links_the_match(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """Review 4, finding 22: an audit row about a match named only its id."""
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Li Wei"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Renate Albrecht"))
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(organisation="VHS Gera"))
    mentor_match = await _suggest(pool, newcomer, mentor)
    course_match, _ = await _course_match(pool, newcomer, provider)
    gone = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena Kovalenko"))
    erased_match = await _suggest(pool, gone, mentor)
    await pool.executemany(
        "INSERT INTO audit_log (action, subject_type, subject_id, detail) VALUES ('match.reject', 'match', $1, $2)",
        [(mentor_match, "other: lives too far out"), (course_match, None),
         (erased_match, "other: met her at the library")])
    assert (await intake_client.delete(f"/api/v1/participants/{gone}", headers=coordinator_headers)).status == 204
    await login(intake_client, pool)

    for lang, erased in (("de", "gelöschte Person"), ("en", "erased participant")):
        log = await (await intake_client.get("/dashboard/audit", params={"lang": lang})).text()
        rows = {m: "".join(r for r in log.split("<tr>") if f'href="/dashboard/matches/{m}"' in r)
                for m in (mentor_match, course_match, erased_match)}
        assert f'<a href="/dashboard/matches/{mentor_match}">Li Wei – Renate Albrecht</a>' in rows[mentor_match]
        assert "lives too far out" in rows[mentor_match]
        assert f'<a href="/dashboard/matches/{course_match}">Li Wei – Deutsch B1 am Wochenende · VHS Gera</a>' \
            in rows[course_match]
        assert f"<em>{erased}</em> – Renate Albrecht</a>" in rows[erased_match], rows[erased_match]
        assert "Olena" not in log and "library" not in log, "an erased person's name and words stay hidden"
