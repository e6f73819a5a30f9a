"""A coordinator's morning in a real browser: log in, read why a match was suggested, approve it,
see the introductions go out, reject another with a reason, look at the statistics."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from playwright.async_api import Page

from lotse.matcher.consumer import MatcherConsumer
from lotse.notifier.compose import Composer
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink
from tests.browser.conftest import log_in, screenshot
from tests.conftest import eventually

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXPLANATION = json.loads("""[
 {"factor": "language", "contribution": 0.36, "detail": "Both speak Russian well (native and C1)."},
 {"factor": "distance", "contribution": 0.15, "detail": "Same district (Weimar)."},
 {"factor": "needs", "contribution": 0.2, "detail": "Helps with housing, authorities (2 of 3 needs)."},
 {"factor": "waiting", "contribution": 0.05, "detail": "Waiting for 30 days."}]""")


@pytest.fixture
async def services(pool: asyncpg.Pool, amqp: AbstractRobustConnection, settings: Settings,
                   tmp_path: Path) -> AsyncIterator[MailSink]:
    """The matcher and the notifier, consuming from the real broker; mail into a local sink."""
    sink = MailSink(tmp_path / "mail")
    sink.start()
    smtp = dataclasses.replace(settings, smtp_port=sink.smtp_port)
    delivery = DeliveryLoop(pool, smtp, Composer(smtp))
    matcher = MatcherConsumer(pool, amqp)
    notifier = NotifierConsumer(pool, amqp, on_committed=delivery.wake)
    await matcher.start()
    await notifier.start()
    sending = asyncio.create_task(delivery.run())
    yield sink
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    await matcher.stop()
    await notifier.stop()
    sink.stop()


async def _person(pool: asyncpg.Pool, kind: str, name: str, email: str, profile: str, locale: str = "de") -> uuid.UUID:
    person = uuid.uuid4()
    await pool.execute(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, languages, profile,
                                     about, verified_at)
           VALUES ($1, $2, 'verified', $3, $4, $5, '16055', $7::jsonb, $6::jsonb,
                   'Ich helfe gern beim Ankommen.', now() - interval '30 days')""",
        person, kind, name, email, locale, json.loads(profile), [{"code": "ru", "level": "native"}],
    )
    await pool.execute("INSERT INTO consents (participant_id, purpose, given, text_version) "
                       "VALUES ($1, 'share_contact', true, 'test')", person)
    return person


async def _suggestion(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID, score: float) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        "INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation) "
        "VALUES ($1, 'mentor', $2, $3, $4, $5::jsonb)", match_id, newcomer, mentor, score, EXPLANATION)
    return match_id


async def two_waiting(pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Galina (a mentor with room) suggested to Olena, then to Dmitri, who waits less long:
    (Dmitri's id, Olena's suggestion, Dmitri's suggestion)."""
    mentor = await _person(pool, "mentor", "Galina Wolff", "galina@example.org",
                           '{"capacity": 3, "helps_with": ["housing"], "online_ok": false}')
    olena = await _person(pool, "newcomer", "Olena Kovalenko", "olena@example.org",
                          '{"occupation_field": "education", "needs": ["housing"]}', "uk")
    dmitri = await _person(pool, "newcomer", "Dmitri Sokolov", "dmitri@example.org",
                           '{"occupation_field": "it", "needs": ["housing"]}', "ru")
    return dmitri, await _suggestion(pool, olena, mentor, 0.76), await _suggestion(pool, dmitri, mentor, 0.58)


async def test_review_approve_introduce_reject_and_statistics(page: Page, base_url: str, pool: asyncpg.Pool,
                                                              services: MailSink) -> None:
    mentor = await _person(pool, "mentor", "Galina Wolff", "galina@example.org",
                           '{"capacity": 2, "helps_with": ["housing", "authorities"], "online_ok": false}')
    olena = await _person(pool, "newcomer", "Olena Kovalenko", "olena@example.org",
                          '{"occupation_field": "education", "needs": ["housing", "authorities", "school"]}', "uk")
    dmitri = await _person(pool, "newcomer", "Dmitri Sokolov", "dmitri@example.org",
                           '{"occupation_field": "it", "needs": ["housing"]}', "ru")
    first = await _suggestion(pool, olena, mentor, 0.76)
    second = await _suggestion(pool, dmitri, mentor, 0.58)

    await page.set_viewport_size({"width": 1280, "height": 900})
    await log_in(page, base_url, pool)

    card = page.locator(f"#match-{first}")
    assert "Beide sprechen gut Russisch" in await card.inner_text()
    assert "Olena Kovalenko" in await page.inner_text("main")
    await screenshot(page, "dashboard-review-queue", readme_as="review-queue.png")

    await card.locator("button:has-text('Freigeben')").click()
    await page.wait_for_selector("p.notice")
    # Olena has nothing left to decide: the queue opens at the next newcomer, message in view.
    assert page.url.endswith(f"#newcomer-{dmitri}")
    notice = page.locator(f"p.notice#newcomer-{dmitri}")  # the message takes the section's id (finding 11)
    assert await notice.count() == 1
    box = await notice.bounding_box()
    # At the top of the view: within a pixel, as the header's height need not be a whole number of them.
    assert box is not None and -1 < box["y"] < 900, box

    async def introduced() -> bool:
        status: str | None = await pool.fetchval("SELECT status FROM matches WHERE id = $1", first)
        return status == "introduced"

    await eventually(introduced, timeout=30)

    async def both_emailed() -> list[asyncpg.Record]:
        sent = await pool.fetch("SELECT participant_id FROM notifications WHERE type = 'introduction' "
                                "AND status = 'sent'")
        return sent if len(sent) == 2 else []

    await eventually(both_emailed, timeout=30)
    languages = {m.headers["Content-Language"] for m in services.messages()}
    assert languages == {"uk", "de"}

    await page.goto(f"{base_url}/dashboard")
    other = page.locator(f"#match-{second}")
    await other.locator("summary").click()  # the reason is inside "Ablehnen …" (one form per card)
    await other.locator("select[name=reason]").select_option("distance")
    await other.locator("button:has-text('Ablehnen')").click()
    await page.wait_for_selector("p.notice")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", second) == "rejected"

    await page.goto(f"{base_url}/dashboard/stats")
    assert await page.locator("svg.chart").count() >= 4
    # The bars are for the eye; a screen reader finds each chart's figures as a table (review 13, F1).
    await page.get_by_text("Die Zahlen als Tabelle").nth(3).click()
    states = page.get_by_role("table", name="Matches nach Stand")
    assert await states.get_by_role("rowheader").count() >= 2 and await states.is_visible()
    assert await page.get_by_role("img").count() == 0
    await screenshot(page, "dashboard-statistics")
    await page.goto(f"{base_url}/dashboard/matches/{first}")
    assert "vorgestellt" in await page.inner_text("main")


async def test_on_a_375_px_phone_the_dashboard_never_scrolls_sideways(page: Page, base_url: str,
                                                                       pool: asyncpg.Pool) -> None:
    mentor = await _person(pool, "mentor", "Thomas Berger", "thomas@example.org",
                           '{"capacity": 2, "helps_with": ["housing"], "online_ok": false}')
    mai = await _person(pool, "newcomer", "Trần Thị Mai", "mai@example.org",
                        '{"occupation_field": "nursing", "needs": ["housing", "language_course", "childcare"], '
                        '"household": {"partner": true, "partner_seeks_work": true, "children_ages": [3, 7]}}', "vi")
    match_id = await _suggestion(pool, mai, mentor, 0.53)
    await page.set_viewport_size({"width": 375, "height": 812})
    await log_in(page, base_url, pool)
    for path in ("/dashboard", "/dashboard/matches", f"/dashboard/matches/{match_id}", f"/dashboard/participants/{mai}",
                 "/dashboard/participants", "/dashboard/stats"):
        await page.goto(f"{base_url}{path}")
        width = await page.evaluate("document.documentElement.scrollWidth")
        await screenshot(page, "dashboard-375" + path.replace("/", "-"))
        assert width <= 375, f"{path} is {width} px wide"

    await page.goto(f"{base_url}/dashboard")
    # The explanation's factor names and figures are never broken mid-word ("Spra/che", "0,/30/0").
    broken = await page.evaluate("""() => [...document.querySelectorAll('.explanation th, .explanation .num')]
        .filter(cell => { const range = document.createRange(); range.selectNodeContents(cell);
                          return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1; })
        .map(cell => cell.textContent)""")
    assert await page.locator(".explanation th").count() >= 2 and broken == [], broken
    card = page.get_by_role("article").filter(has_text="Thomas Berger")
    await card.locator("summary").click()  # Reject is inside "Ablehnen …"
    approve = page.get_by_role("button", name="Freigeben: Mentor/in Thomas Berger für Trần Thị Mai", exact=True)
    reject = page.get_by_role("button", name="Ablehnen: Mentor/in Thomas Berger für Trần Thị Mai", exact=True)
    assert await approve.count() == 1 and await reject.count() == 1
    assert await card.get_by_role("button", name="Freigeben", exact=True).count() == 0
    assert await approve.inner_text() == "Freigeben"  # the name starts with what the eye sees
