"""Registrations with the workers at intake's CPU priority and below it, phase by phase.

    .venv/bin/python -m bench.worker_priority [--requests 2000] [--rounds 3] [--niceness 0 10 batch idle]

Brings the system up as bench/whole_path.py does, then, each round, measures the bare endpoint
and a burst of registrations at 10 connections for each scheduling of matcher and notifier (the
same processes, rescheduled between phases, the order turned by one each round), and how fast the
burst's verification emails went out. A number is a niceness; `batch` is Linux's SCHED_BATCH at
nice 10, `idle` its SCHED_IDLE (CPU only when nothing else wants it). Backs docs/decisions.md,
"Workers yield the CPU to intake on a shared host". Prints, asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bench.whole_path import (
    DATABASE_URL,
    Services,
    closed_loop,
    emails_for,
    load_options,
    participant_ids,
    prepare_infrastructure,
    queues_drained,
)
from lotse.shared.db import create_pool
from tests.integration.intake_fixtures import newcomer_payload


def schedule(pid: int, how: str) -> None:
    """Every thread of ``pid`` to ``how`` (a niceness, "batch" or "idle"): a policy is per thread."""
    policy = {"batch": os.SCHED_BATCH, "idle": os.SCHED_IDLE}.get(how, os.SCHED_OTHER)
    for thread in os.listdir(f"/proc/{pid}/task"):
        os.sched_setscheduler(int(thread), policy, os.sched_param(0))
        if policy != os.SCHED_IDLE:
            os.setpriority(os.PRIO_PROCESS, int(thread), 10 if policy == os.SCHED_BATCH else int(how))


async def compare(requests: int, rounds: int, schedulings: list[str]) -> None:
    services = Services(Path(f"/tmp/lotse-bench-priority-{os.getpid()}"))
    await services.start()
    pool = await create_pool(DATABASE_URL, min_size=2, max_size=2)
    base, ceiling = f"http://127.0.0.1:{services.port}", f"http://127.0.0.1:{services.ceiling_port}"
    try:
        await closed_loop(f"{base}/healthz", None, 200)
        await closed_loop(f"{ceiling}/json", None, 200)
        for round_ in range(rounds):
            bare = await closed_loop(f"{ceiling}/insert", [newcomer_payload() for _ in range(requests)], requests,
                                     expect=201)
            line = [f"round {round_ + 1}: bare endpoint {bare.rate:.0f} req/s"]
            turn = round_ % len(schedulings)
            for how in schedulings[turn:] + schedulings[:turn]:
                for name in ("matcher", "notifier"):
                    schedule(services.by_name[name].pid, how)
                bodies = [newcomer_payload() for _ in range(requests)]
                ours = await closed_loop(f"{base}/api/v1/newcomers", bodies, requests, expect=201)
                ids = await participant_ids(pool, bodies)
                emails, email_rate = await emails_for(pool, ids)
                label = how if how in ("batch", "idle") else f"nice {how}"
                line.append(f"{label}: {ours.rate:.0f} req/s ({ours.rate / bare.rate:.2f}), "
                            f"p50 {ours.pct(0.5):.0f} ms, p99 {ours.pct(0.99):.0f} ms, "
                            f"{emails / max(len(ids), 1):.2f} emails each at {email_rate:.0f}/s")
                await queues_drained()
            print(" | ".join(line), flush=True)
    finally:
        await pool.close()
        await asyncio.to_thread(services.down)


def main() -> int:
    parser = load_options(__doc__, rounds=3)
    parser.add_argument("--niceness", nargs="+", default=["0", "10"], choices=[*map(str, range(20)), "batch", "idle"])
    args = parser.parse_args()
    prepare_infrastructure()
    asyncio.run(compare(args.requests, args.rounds, args.niceness))
    return 0


if __name__ == "__main__":
    sys.exit(main())
