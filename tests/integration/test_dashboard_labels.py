"""The dashboard speaks the coordinator's language: labels instead of codes, the matcher's English
sentences said again, numbers in the locale's format (German and English, its two languages)."""

from __future__ import annotations

import html as htmllib
import json
import re
import uuid

import asyncpg
import pytest

from tests.conftest import COORDINATOR_EMAIL, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _verified, csrf_of, login

EXPLANATION = [
    {"factor": "language", "contribution": 0.2, "detail": "Both speak English well (B2 and B2)."},
    {"factor": "distance", "contribution": 0.101, "detail": "Erfurt – Gera: 74 km apart."},
    {"factor": "needs", "contribution": 0.125, "detail": "Helps with childcare (1 of 2 needs)."},
    {"factor": "occupation", "contribution": 0.1, "detail": "Same field (nursing): professional mentoring."},
    {"factor": "about", "contribution": 0.0, "detail": "Their own words have 0% in common."},
    {"factor": "waiting", "contribution": 0.004, "detail": "Waiting for 3 days."},
]
# Codes and English that a German page showed before (finding 3 of the review).
RAW = ("language_course", "childcare", "nursing", "mentor:", "Both speak", "km apart", "in common", "needs)",
       "0.53", "vi native", "en B2", "Bedarfe: language")


def _text(page: str) -> str:
    """What a reader sees of <main>: tags and attribute values (codes in form values) dropped."""
    main = page[page.index("<main"):page.index("</main>")]
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _bare_codes(text: str, words: tuple[str, ...] = ()) -> list[str]:
    """Codes a reader would see: snake_case and dotted codes ("not_a_good_fit", "match.reject"),
    the one-word codes named, and ISO dates; e-mail addresses are data, not codes."""
    text = re.sub(r"\S+@\S+", " ", text)
    found = re.findall(r"\b[a-z]+(?:_[a-z_]+|\.[a-z_]+)\b", text)
    found += [word for word in re.findall(r"[\w-]+", text) if word in words]
    return found + re.findall(r"\b\d{4}-\d\d-\d\d\b", text)


def _german_dates(page: str) -> None:
    """Every date is shown as 23.11.2026 and kept machine-readable in <time datetime>."""
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d[^"]*">\d\d\.\d\d\.\d{4}', page), page


def _profile(page: str) -> list[tuple[str, str]]:
    """The participant page's profile rows, (label, value) as shown."""
    rows = page[page.index('<dl class="figures">'):]
    return [(htmllib.unescape(label), htmllib.unescape(value))
            for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", rows[:rows.index("</dl>")])]


async def _suggestion(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation) "
                       "VALUES ($1, 'mentor', $2, $3, 0.53, $4::jsonb)", match_id, newcomer, mentor, EXPLANATION)
    return match_id


@pytest.fixture
async def queued(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(occupation_field="nursing"))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Trần Thị Mai"))
    return await _suggestion(pool, newcomer, mentor)


async def test_the_german_review_queue_has_labels_german_sentences_and_decimal_commas(
    intake_client: IntakeClient, queued: uuid.UUID
) -> None:
    page = await (await intake_client.get("/dashboard", headers={"Accept-Language": "de-DE"})).text()
    text = _text(page)
    for raw in RAW:
        assert raw not in text, raw
    for label in ("Mentor/in: Thomas Berger", "Pflege", "Vietnamesisch Muttersprache", "Englisch B2",
                  "Deutschkurs, Kinderbetreuung (Kita)", "mit Partner/in, die/der Arbeit sucht", "Kinder: 4",
                  "noch im Ausland", "Bewertung 0,53", "Sprache", "Entfernung", "0,101",
                  "Beide sprechen gut Englisch (B2 und B2).", "Erfurt – Gera: 74 km Entfernung.",
                  "Hilft bei: Kinderbetreuung (Kita) (1 von 2 Bedarfen).", "Gleiches Berufsfeld (Pflege)",
                  "Nicht beigetragen: Eigene Worte", "Wartet seit 3 Tagen."):
        assert label in text, label
    # Each button says which suggestion it decides.
    assert 'aria-label="Freigeben: Mentor/in Thomas Berger für Trần Thị Mai"' in page
    assert 'aria-label="Ablehnen: Mentor/in Thomas Berger für Trần Thị Mai"' in page


async def test_the_english_review_queue_has_labels_not_codes(intake_client: IntakeClient, queued: uuid.UUID) -> None:
    page = await (await intake_client.get("/dashboard", params={"lang": "en"})).text()
    text = _text(page)
    for raw in ("language_course", "childcare,", "nursing", "mentor:", "vi native"):
        assert raw not in text, raw
    for label in ("Mentor: Thomas Berger", "Nursing", "Vietnamese Native language", "German course",
                  "partner, looking for work", "score 0.53", "Helps with Childcare (Kita) (1 of 2 needs).",
                  "Same field (Nursing): professional mentoring."):
        assert label in text, label


async def test_the_api_keeps_the_english_sentences(intake_client: IntakeClient, queued: uuid.UUID,
                                                   coordinator_headers: dict[str, str]) -> None:
    body = await (await intake_client.get(f"/api/v1/matches/{queued}", headers=coordinator_headers)).json()
    assert body["explanation"] == json.loads(json.dumps(EXPLANATION))


async def test_matches_statistics_and_the_participant_page_show_labels(intake_client: IntakeClient,
                                                                       pool: asyncpg.Pool, queued: uuid.UUID) -> None:
    newcomer = await pool.fetchval("SELECT newcomer_id FROM matches WHERE id = $1", queued)
    await pool.execute("INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) VALUES "
                       "($1, 'language_course', 'no_fitting_course', 'No course with seats.')", newcomer)
    listing = _text(await (await intake_client.get("/dashboard/matches")).text())
    assert "Mentor/in" in listing and "vorgeschlagen" in listing and "0,53" in listing
    filters = await (await intake_client.get("/dashboard/matches")).text()
    assert '<option value="language_course">Deutschkurs</option>' in filters
    assert '<option value="active">aktiv</option>' in filters
    match = _text(await (await intake_client.get(f"/dashboard/matches/{queued}")).text())
    assert "Match: Mentor/in · vorgeschlagen" in match and "Erfurt – Gera: 74 km Entfernung." in match
    stats = await (await intake_client.get("/dashboard/stats")).text()
    assert "Kein passender Kurs" in stats and "vorgeschlagen" in stats
    for raw in ("no_fitting_course", ">suggested<"):
        assert raw not in stats, raw

    person = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    text = _text(person)
    assert "<pre>" not in person and '"household"' not in person
    for label in ("Neu angekommen · bestätigt", "E-Mails auf Vietnamesisch", "Kontaktweitergabe: erteilt",
                  "Vietnamesisch Muttersprache", "Herkunftsland", "Vietnam",
                  "Berufsfeld", "Pflege", "Bedarfe", "Deutschkurs, Kinderbetreuung (Kita)", "Partner/in sucht Arbeit",
                  "Alter der Kinder", "Aufenthalt", "noch im Ausland", "Kurszeiten", "Abends",
                  "Deutschkurs: Kein passender Kurs", "Mentor/in · vorgeschlagen · 0,53"):
        assert label in text, label
    for raw in ("nursing", "language_course", "abroad", "evening", "newcomer ·", "vi native", "share_contact"):
        assert raw not in text, raw
    listing = _text(await (await intake_client.get("/dashboard/participants")).text())
    assert "Neu angekommen" in listing and "newcomer" not in listing

    mentor = await pool.fetchval("SELECT counterpart_id FROM matches WHERE id = $1", queued)
    for someone in (newcomer, mentor):
        rows = _profile(await (await intake_client.get(f"/dashboard/participants/{someone}")).text())
        assert len(rows) >= 5, rows
        for label, value in rows:
            # A field or code nobody labelled would be shown as it is ("wants_mentor", "capacity").
            assert not re.fullmatch(r"[a-z_]+", label), label
            assert not _bare_codes(value), value


# One-word codes of the history, e-mail and team tables that read as English on a German page.
WORDS = ("mentor", "employer", "newcomer", "counterpart", "accept", "decline", "suggested", "rejected", "declined",
         "verification", "introduction", "sent", "failed", "pending", "coordinator", "admin", "good", "bad", "round")


async def test_the_history_e_mails_team_audit_and_round_report_have_labels_and_german_dates(
    intake_client: IntakeClient, pool: asyncpg.Pool, queued: uuid.UUID
) -> None:
    newcomer, mentor = await pool.fetchrow("SELECT newcomer_id, counterpart_id FROM matches WHERE id = $1", queued)
    page = await (await intake_client.get("/dashboard")).text()
    rejected = await intake_client.post(f"/dashboard/matches/{queued}/reject", data={
        "csrf": csrf_of(page), "reason": "other", "note": "zieht nach Leipzig"}, allow_redirects=False)
    assert rejected.status == 303
    declined = uuid.uuid4()
    await pool.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, reason, "
                       "end_reason, ended_by_side, flagged_at, flag_code) VALUES ($1, 'mentor', $2, $3, 0.4, "
                       "'declined', 'declined by counterpart', 'declined', 'counterpart', now(), "
                       "'unanswered')", declined, newcomer, mentor)
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) VALUES "
                       "($1, $2, 'newcomer', 'accept'), ($1, $3, 'counterpart', 'decline')", declined, newcomer, mentor)
    await pool.execute("INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, locale, status, "
                       "sent_at) VALUES (gen_random_uuid(), $2, 'verification', $1, $1, 'vi', 'sent', now()), "
                       "(gen_random_uuid(), $3, 'introduction', $1, $1, 'vi', 'failed', NULL)",
                       newcomer, f"test-verification-{newcomer}", f"test-introduction-{newcomer}")
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) VALUES "
                       "($1, 'most_matched', 'completed', now(), $2)", uuid.uuid4(),
                       {"kinds": {"language_course": {"waiting": 3, "proposed": 1, "total_score": 0.61,
                                                       "greedy": {"proposed": 1, "total_score": 0.55},
                                                       "gain_over_greedy": 0.06}}})

    queue = await (await intake_client.get("/dashboard")).text()
    report = _text(queue)
    assert "Deutschkurs: 1 von 3" in report and "+0,06" in report, report
    assert not _bare_codes(report, WORDS), _bare_codes(report, WORDS)
    _german_dates(queue)

    match = await (await intake_client.get(f"/dashboard/matches/{queued}")).text()
    text = _text(match)
    for label in ("Match: Mentor/in · abgelehnt", "Anderer Grund: zieht nach Leipzig", COORDINATOR_EMAIL,
                  "hat einen Vorschlag abgelehnt · Anderer Grund"):
        assert label in text, label
    assert not _bare_codes(text, WORDS), _bare_codes(text, WORDS)
    _german_dates(match)
    other = await (await intake_client.get(f"/dashboard/matches/{declined}")).text()
    text = _text(other)
    for label in ("Keine Antwort nach einer Erinnerung", "Von der Gegenseite abgelehnt", "Neu angekommen: angenommen",
                  "Mentor/in: nicht angenommen"):
        assert label in text, label
    assert not _bare_codes(text, WORDS), _bare_codes(text, WORDS)
    listing = _text(await (await intake_client.get("/dashboard/matches")).text())
    assert "Keine Antwort nach einer Erinnerung" in listing and not _bare_codes(listing, WORDS)

    person = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    emails = _text(person)
    for label in ("Bestätigung der E-Mail-Adresse", "Vietnamesisch", "gesendet", "Vorstellung", "fehlgeschlagen",
                  "Mentor/in · abgelehnt"):
        assert label in emails, label
    assert not _bare_codes(emails, WORDS), _bare_codes(emails, WORDS)
    _german_dates(person)

    team = await (await intake_client.get("/dashboard/team")).text()
    text = _text(team)
    assert "Administrator/in" in text and not _bare_codes(text, WORDS), _bare_codes(text, WORDS)
    assert '<option value="coordinator">Koordinator/in</option>' in team
    _german_dates(team)

    audit = await (await intake_client.get("/dashboard/audit")).text()
    text = _text(audit)
    for label in ("hat einen Vorschlag abgelehnt", "vorgeschlagen → abgelehnt", "Anderer Grund", "Match "):
        assert label in text, label
    assert not _bare_codes(text, WORDS), _bare_codes(text, WORDS)
    assert '<option value="match.reject">hat einen Vorschlag abgelehnt</option>' in audit
    _german_dates(audit)


async def test_english_dates_and_history_read_naturally(intake_client: IntakeClient, queued: uuid.UUID) -> None:
    page = await (await intake_client.get("/dashboard")).text()
    await intake_client.post(f"/dashboard/matches/{queued}/reject", data={"csrf": csrf_of(page),
                                                                          "reason": "distance"})
    match = await (await intake_client.get(f"/dashboard/matches/{queued}", params={"lang": "en"})).text()
    text = _text(match)
    assert "Match: Mentor · rejected" in text and "Reason: Too far apart" in text, text
    assert "rejected a suggestion · Too far apart" in text
    assert re.search(r"Decided: [^·]+ · " + re.escape(COORDINATOR_EMAIL), text), text  # who decided
    assert re.search(r'<time datetime="[^"]+">[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d\d\W[AP]M</time>', match)
