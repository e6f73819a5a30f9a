"""CPU per registration, per process: where a registration's cost goes on a shared machine.

    .venv/bin/python -m bench.cpu_per_event [--requests 2000] [--rounds 2]

Brings up the system as bench/whole_path.py does and reads each process's CPU time from /proc
around each phase: intake, matcher, notifier, the SMTP sink, PostgreSQL (all its backends),
RabbitMQ and this load generator. Phases: the bare insert+outbox endpoint; registrations with
the whole system running, until every verification email is sent; registrations with matcher
and notifier paused; the notifier emptying that backlog; the outbox relay. On two cores the
whole path's throughput is bounded by the sum of these figures, which is why they are printed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from bench import whole_path as wp
from lotse.shared.db import create_pool
from tests.integration.intake_fixtures import newcomer_payload

T = TypeVar("T")
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a PostgreSQL backend that ended meanwhile
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / TICKS


def _pids(pattern: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False).stdout
    return [int(pid) for pid in found.split()]


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all cores since boot, from /proc/stat's first line."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


class CpuMeter:
    def __init__(self, services: wp.Services) -> None:
        self._services = services

    def _groups(self) -> dict[str, list[int]]:
        groups = {name: [p.pid] for name, p in self._services.by_name.items()}
        groups["postgres"] = _pids("postgres")  # backends come and go: looked up per phase
        groups["rabbitmq"] = _pids("beam.smp")
        groups["load generator"] = [os.getpid()]
        return groups

    async def phase(self, label: str, work: Awaitable[T], items: int) -> T:
        groups = self._groups()
        before = {name: _cpu_seconds(pids) for name, pids in groups.items()}
        busy_before, total_before = _machine_ticks()
        started = time.perf_counter()
        result = await work
        elapsed = time.perf_counter() - started
        busy_after, total_after = _machine_ticks()
        busy = (busy_after - busy_before) / max(1, total_after - total_before)
        per_item = {name: (_cpu_seconds(pids) - before[name]) / items * 1000 for name, pids in groups.items()}
        parts = ", ".join(f"{name} {ms:.2f}" for name, ms in per_item.items() if ms >= 0.005)
        print(f"{label:40s} {items / elapsed:7.0f}/s  machine busy {busy:4.0%}  "
              f"CPU ms per item {sum(per_item.values()):5.2f}: {parts}",
              flush=True)
        return result


async def measure(requests: int, rounds: int, log_level: str) -> None:
    services = wp.Services(Path(f"/tmp/lotse-cpu-{os.getpid()}"), log_level)
    await services.start()
    meter = CpuMeter(services)
    pool = await create_pool(wp.DATABASE_URL, min_size=wp.CONNECTIONS, max_size=wp.CONNECTIONS)
    base, ceiling = f"http://127.0.0.1:{services.port}", f"http://127.0.0.1:{services.ceiling_port}"

    async def registered_and_emailed(bodies: list[dict[str, object]]) -> None:
        await wp.closed_loop(f"{base}/api/v1/newcomers", bodies, len(bodies), expect=201)
        await wp.emails_for(pool, await wp.participant_ids(pool, bodies))

    try:
        await wp.closed_loop(f"{base}/healthz", None, 200)
        await wp.closed_loop(f"{ceiling}/json", None, 200)
        await asyncio.sleep(5)  # start-up work (model loading, first polls) is not a registration's
        for _ in range(rounds):
            bare = [newcomer_payload() for _ in range(requests)]
            await meter.phase("bare insert+outbox endpoint", wp.closed_loop(
                f"{ceiling}/insert", bare, requests, expect=201), requests)
            await meter.phase("registration, whole system, until emailed",
                              registered_and_emailed([newcomer_payload() for _ in range(requests)]), requests)
            quiet = [newcomer_payload() for _ in range(requests)]
            with services.workers_paused():
                await meter.phase("registration, matcher and notifier paused", wp.closed_loop(
                    f"{base}/api/v1/newcomers", quiet, requests, expect=201), requests)
                await wp.relay_done(pool)
            backlog = await wp.participant_ids(pool, quiet)
            await meter.phase("notifier emptying that backlog", wp.emails_for(pool, backlog), requests)
            await wp.queues_drained()
            with services.workers_paused():
                await meter.phase("outbox relay, nobody consuming", wp.relay_rate(pool, 2 * requests), 2 * requests)
            await wp.queues_drained()
    finally:
        await pool.close()
        await asyncio.to_thread(services.down)


def main() -> int:
    parser = wp.load_options(__doc__, rounds=2)
    parser.add_argument("--log-level", default="INFO", help="the services' LOTSE_LOG_LEVEL (INFO, as deployed)")
    args = parser.parse_args()
    wp.prepare_infrastructure()
    asyncio.run(measure(args.requests, args.rounds, args.log_level))
    return 0


if __name__ == "__main__":
    sys.exit(main())
