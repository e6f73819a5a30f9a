"""A real intake server and Debian's chromium driven by Playwright (no browser download).

Screenshots go to tests/artifacts/ so a failing run can be looked at.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import TimeoutError as PlaywrightTimeout

from lotse.intake.accounts import create_coordinator
from lotse.intake.app import init_app
from lotse.shared.config import Settings
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD
from tests.e2e.conftest import free_port

DOCS = Path(__file__).resolve().parents[2] / "docs"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's probe found: without the background-networking flags chromium keeps
# trying to reach Google's hosts, which this closed network refuses.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "a long coordinator passphrase"


@pytest.fixture(scope="package")
async def base_url(settings: Settings, migrated: str, amqp: AbstractRobustConnection) -> AsyncIterator[str]:
    port = free_port()
    app_settings = dataclasses.replace(
        settings, coordinator_email=COORDINATOR_EMAIL, coordinator_password=COORDINATOR_PASSWORD,
        intake_rate_limit_per_minute=1000, public_url=f"http://127.0.0.1:{port}",
    )
    runner = web.AppRunner(init_app(app_settings), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail("chromium is not installed: deploy/test.sh installs it (apt-get install chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, pool: asyncpg.Pool) -> AsyncIterator[Page]:
    context = await browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})  # a phone
    tab = await context.new_page()
    yield tab
    await context.close()


@contextlib.asynccontextmanager
async def without_javascript(browser: Browser, locale: str) -> AsyncIterator[Page]:
    """A tab of its own (fresh cookies) with JavaScript off: the forms must work without it."""
    context = await browser.new_context(java_script_enabled=False, locale=locale)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def log_in(page: Page, base_url: str, pool: asyncpg.Pool) -> None:
    """A new coordinator opens the dashboard, is sent to the login and logs in."""
    email = f"koordination.{uuid.uuid4().hex[:6]}@welcome.example"
    async with pool.acquire() as conn:
        await create_coordinator(conn, email, PASSWORD)
    await page.goto(f"{base_url}/dashboard")
    await page.wait_for_url("**/dashboard/login**")
    await page.fill("#email", email)
    await page.fill("#password", PASSWORD)
    await page.click("main button[type=submit]")
    await page.wait_for_url(f"{base_url}/dashboard")


@contextlib.asynccontextmanager
async def dashboard_without_javascript(browser: Browser, base_url: str, pool: asyncpg.Pool) -> AsyncIterator[Page]:
    """A new coordinator's phone-wide tab with JavaScript off, logged in at the review queue."""
    async with without_javascript(browser, "de-DE") as page:
        await page.set_viewport_size({"width": 390, "height": 844})
        await log_in(page, base_url, pool)
        yield page


async def screenshot(page: Page, name: str, *, readme_as: str | None = None) -> Path:
    """Into the test's artifacts; with LOTSE_UPDATE_SCREENSHOTS set, also the README's picture."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    if readme_as and os.environ.get("LOTSE_UPDATE_SCREENSHOTS"):
        await page.evaluate("window.scrollTo(0, 0)")
        await page.screenshot(path=str(DOCS / readme_as))  # what the screen shows, not the whole page
    return path


async def focused(page: Page) -> tuple[str, str]:
    """The id and text of what has focus once a page has loaded. Chromium moves focus to an autofocus
    element at a rendering step after the load event, later on a busy machine (CI once read the
    body): give it a moment first."""
    with contextlib.suppress(PlaywrightTimeout):
        await page.wait_for_function("document.activeElement !== document.body", timeout=2000)
    focused_id, text = await page.evaluate("[document.activeElement.id, document.activeElement.innerText]")
    return focused_id, text
