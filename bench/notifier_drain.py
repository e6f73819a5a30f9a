"""Issue 8's notifier ratio alone: the notifier emptying a backlog of verification emails against
consume + INSERT + ack, alternating, without the rest of the whole-path run.

    .venv/bin/python -m bench.notifier_drain [--requests 6000] [--rounds 3]

Brings the system up as bench/whole_path.py does (its database and vhost `lotse_bench`), then,
each round: registers REQUESTS newcomers with matcher and notifier paused, resumes them and times
the notifier from its first notification row to the last email sent (whole_path's "emails/s
(notifier, from a backlog)"), then measures the consume+insert+ack ceiling. About a minute for three
rounds of 6,000; run two checkouts alternately to compare a change. Asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import os
import statistics
from pathlib import Path

from bench import whole_path as wp
from lotse.shared.db import create_pool


async def measure(requests: int, rounds: int) -> list[tuple[float, float]]:
    services = wp.Services(Path(f"/tmp/lotse-bench-drain-{os.getpid()}"))
    await services.start()
    pool = await create_pool(wp.DATABASE_URL, min_size=wp.CONNECTIONS, max_size=wp.CONNECTIONS)
    base = f"http://127.0.0.1:{services.port}"
    pairs = []
    try:
        await wp.closed_loop(f"{base}/healthz", None, 200)
        for _ in range(rounds):
            bodies = [wp.newcomer_payload() for _ in range(requests)]
            with services.workers_paused():
                await wp.closed_loop(f"{base}/api/v1/newcomers", bodies, requests, expect=201)
                await wp.relay_done(pool)
            _, emails = await wp.emails_for(pool, await wp.participant_ids(pool, bodies))
            await wp.queues_drained()
            ceiling = await wp.raw_consume(pool, requests // 2, with_insert=True)
            pairs.append((emails, ceiling))
            print(f"emails/s from a backlog {emails:,.0f}   consume+insert+ack/s {ceiling:,.0f}   "
                  f"ratio {emails / ceiling:.2f}", flush=True)
    finally:
        await pool.close()
        await asyncio.to_thread(services.down)
    return pairs


def main() -> int:
    args = wp.load_options(__doc__ or "", rounds=3)
    args.set_defaults(requests=6000)
    options = args.parse_args()
    wp.prepare_infrastructure()
    pairs = asyncio.run(measure(options.requests, options.rounds))
    ratios = [emails / ceiling for emails, ceiling in pairs]
    print(f"median ratio {statistics.median(ratios):.2f} (goal ≥ 0.70); rounds "
          + " / ".join(f"{r:.2f}" for r in ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
