"""Notifier throughput: emails per second by notifier processes × SMTP connections per process.

Each run queues EMAILS notification rows, starts N processes that each run the real delivery
loop (claim with SKIP LOCKED, compose from the database, render, send over one reused SMTP
connection, mark sent), and times from "go" until every row is sent. The SMTP server is the
project's mail sink in its own process with `keep=False` (accepts and forgets), so the figures
measure the notifier, not a disk. Also printed: the duplicate window (SMTP acceptance → `sent`
status committed), the only time in which a crash repeats an email.

A benchmark, not a test: nothing here asserts on time. Run it against a scratch database; the
loops send every due notification they find there:

    LOTSE_BENCH_DATABASE_URL=postgresql://lotse:lotse@127.0.0.1:5432/lotse_test_notifier \\
        .venv/bin/python -m bench.notifier_throughput [--emails 2000] [--processes 1 4] [--sink zero]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench import smtp_sink
from lotse.notifier.compose import Composer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared.config import Settings, load_settings
from lotse.shared.db import create_pool
from lotse.shared.mailsink import free_port, run_mailsink
from lotse.shared.migrate import migrate

#: Upper bound for one run; a run that has not finished by then is reported as incomplete.
RUN_LIMIT_S = 300.0
BENCH_EVENT_NAMESPACE = uuid.UUID("6c6f7473-652d-6265-6e63-680000000001")
LOCALES = ("de", "de-simple", "uk", "ru", "vi", "zh", "mn", "sr", "az", "pl", "fr", "en")


def bench_settings(database_url: str, smtp_port: int) -> Settings:
    return load_settings({
        "LOTSE_DATABASE_URL": database_url,
        "LOTSE_SMTP_PORT": str(smtp_port),
        "LOTSE_DEV_MODE": "true",
        "LOTSE_LOG_LEVEL": "WARNING",
    })


# --- one notifier process -------------------------------------------------------------------

async def _worker(database_url: str, smtp_port: int, lanes: int, go: Any, results: Any) -> None:
    """One notifier process: ``lanes`` delivery loops side by side, as `lotse notifier` runs
    LOTSE_SMTP_CONNECTIONS of them."""
    settings = bench_settings(database_url, smtp_port)
    pool = await create_pool(database_url, min_size=1, max_size=lanes + 1)
    composer = Composer(settings)
    loops = [DeliveryLoop(pool, settings, composer) for _ in range(lanes)]

    async def lane(loop: DeliveryLoop) -> int:
        handled = 0
        deadline = time.monotonic() + RUN_LIMIT_S
        while time.monotonic() < deadline:
            done = await loop.deliver_due()
            handled += done
            if done:
                continue
            open_rows = await pool.fetchval("SELECT count(*) FROM notifications WHERE status IN ('pending', 'sending')")
            if not open_rows:
                break
            await asyncio.sleep(0.02)  # another lane or process holds the rest; look again shortly
        return handled

    handled: list[int] = []
    try:
        await asyncio.get_running_loop().run_in_executor(None, go.wait)
        handled = await asyncio.gather(*(lane(loop) for loop in loops))
    finally:
        for loop in loops:
            await loop.close()
        await pool.close()
    results.put({"handled": sum(handled), "windows": [w for loop in loops for w in loop.duplicate_window.samples]})


def worker_process(database_url: str, smtp_port: int, lanes: int, go: Any, results: Any) -> None:
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(_worker(database_url, smtp_port, lanes, go, results))


# --- the run ----------------------------------------------------------------------------------

async def prepare(database_url: str, emails: int) -> list[uuid.UUID]:
    """Recipients in every locale and `emails` pending notifications for them."""
    await migrate(database_url)
    conn = await asyncpg.connect(database_url)
    try:
        people = [uuid.uuid4() for _ in range(len(LOCALES) * 4)]
        await conn.executemany(
            """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district)
               VALUES ($1, 'newcomer', 'verified', $2, $3, $4, '16052')""",
            [(pid, f"Bench Person {i}", f"bench-{pid.hex[:12]}@example.org", LOCALES[i % len(LOCALES)])
             for i, pid in enumerate(people)],
        )
        run = uuid.uuid4()
        await conn.executemany(
            """INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id)
               VALUES ($1, $2, 'registration_confirmed', $3, $4)""",
            [
                (uuid.uuid4(), f"bench:{run}:{i}", uuid.uuid5(BENCH_EVENT_NAMESPACE, f"{run}:{i}"),
                 people[i % len(people)])
                for i in range(emails)
            ],
        )
        return people
    finally:
        await conn.close()


async def clean_up(database_url: str, people: list[uuid.UUID]) -> dict[str, int]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM notifications WHERE participant_id = ANY($1) GROUP BY status", people
        )
        await conn.execute("DELETE FROM notifications WHERE participant_id = ANY($1)", people)
        await conn.execute("DELETE FROM participants WHERE id = ANY($1)", people)
        return {r["status"]: int(r["n"]) for r in rows}
    finally:
        await conn.close()


def wait_for_port(port: int, limit_s: float = 10.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"mail sink did not listen on port {port}")


def run_once(database_url: str, smtp_port: int, processes: int, lanes: int, emails: int) -> dict[str, Any]:
    people = asyncio.run(prepare(database_url, emails))
    ctx = multiprocessing.get_context("spawn")
    go, results = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=worker_process, args=(database_url, smtp_port, lanes, go, results))
        for _ in range(processes)
    ]
    try:
        for w in workers:
            w.start()
        time.sleep(1.0)  # let the processes import and connect; the clock starts at "go"
        started = time.perf_counter()
        go.set()
        reports = [results.get(timeout=RUN_LIMIT_S + 30) for _ in workers]
        elapsed = time.perf_counter() - started
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.terminate()
        statuses = asyncio.run(clean_up(database_url, people))
    windows = sorted(s for r in reports for s in r["windows"])
    sent = statuses.get("sent", 0)
    return {
        "processes": processes,
        "lanes": lanes,
        "emails": emails,
        "sent": sent,
        "statuses": statuses,
        "per_process": [r["handled"] for r in reports],
        "elapsed_s": elapsed,
        "rate": sent / elapsed if elapsed else 0.0,
        "window_ms": {
            "p50": 1000 * statistics.median(windows) if windows else 0.0,
            "p99": 1000 * windows[min(len(windows) - 1, int(0.99 * len(windows)))] if windows else 0.0,
            "max": 1000 * windows[-1] if windows else 0.0,
        },
    }


def _zero_sink(maildir: Path, port: int) -> None:
    asyncio.run(smtp_sink.serve(port))  # keeps nothing, so no maildir


def _mailsink(maildir: Path, port: int) -> None:
    run_mailsink(maildir, port, None, keep=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 4],
                        help="delivery loops per process (LOTSE_SMTP_CONNECTIONS)")
    parser.add_argument("--sink", choices=("mailsink", "zero"), default="mailsink",
                        help="the project's aiosmtpd sink, or bench.smtp_sink (zero latency, as issue 8 asks)")
    args = parser.parse_args()
    database_url = os.environ.get("LOTSE_BENCH_DATABASE_URL") or os.environ.get("LOTSE_TEST_DATABASE_URL")
    if not database_url:
        print("set LOTSE_BENCH_DATABASE_URL to a scratch database (its due notifications will be sent)",
              file=sys.stderr)
        return 2
    smtp_port = free_port()
    with tempfile.TemporaryDirectory() as maildir:
        sink = multiprocessing.get_context("spawn").Process(
            target=_zero_sink if args.sink == "zero" else _mailsink, args=(Path(maildir), smtp_port), daemon=True
        )
        sink.start()
        try:
            wait_for_port(smtp_port)
            results = [run_once(database_url, smtp_port, n, lanes, args.emails)
                       for n in args.processes for lanes in args.lanes]
        finally:
            sink.terminate()
            sink.join(timeout=10)
    for r in results:
        print(
            f"{r['processes']} notifier process(es) × {r['lanes']} SMTP connection(s): "
            f"{r['sent']}/{r['emails']} emails in {r['elapsed_s']:.2f} s"
            f" = {r['rate']:.0f} emails/s (per process: {r['per_process']}, statuses: {r['statuses']});"
            f" duplicate window p50 {r['window_ms']['p50']:.2f} ms, p99 {r['window_ms']['p99']:.2f} ms,"
            f" max {r['window_ms']['max']:.2f} ms"
        )
    if len(results) >= 2 and results[0]["rate"]:
        print(f"ratio {results[-1]['processes']}×{results[-1]['lanes']} : {results[0]['processes']}×"
              f"{results[0]['lanes']} = {results[-1]['rate'] / results[0]['rate']:.2f}x")
    print(json.dumps({"results": results}, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
