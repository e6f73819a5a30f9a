"""A registration's statement alone against PostgreSQL: no HTTP, no broker, no workers.

    LOTSE_BENCH_DATABASE_URL=postgresql://… .venv/bin/python -m bench.register_alone [REGISTRATIONS]

Use a database of your own (a test database): it is migrated, then new newcomers are registered
through ``registrations.register`` by four concurrent callers (the pool's size). Prints
registrations/s and this process's CPU per registration: with the client's CPU level, a change in
the rate is PostgreSQL's work for the statement. Run it on two checkouts alternately (each with its
own ``.venv``) to compare their statements; the figures of one run alone say little on a shared machine.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import date

from lotse.intake import registrations, validation
from lotse.shared.db import create_pool
from lotse.shared.migrate import migrate
from tests.integration.intake_fixtures import newcomer_payload

CALLERS = 4
WARM_UP = 200


async def main(url: str, count: int) -> None:
    await migrate(url)
    pool = await create_pool(url, min_size=CALLERS, max_size=CALLERS)
    try:
        regs = [validation.validate_registration("newcomer", newcomer_payload(), today=date.today())
                for _ in range(count + WARM_UP)]
        for reg in regs[:WARM_UP]:
            await registrations.register(pool, "newcomer", reg)
        waiting = iter(regs[WARM_UP:])

        async def caller() -> None:
            for reg in waiting:
                await registrations.register(pool, "newcomer", reg)

        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(caller() for _ in range(CALLERS)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await pool.close()
    print(f"{count} registrations by {CALLERS} callers: {count / wall:,.0f}/s, "
          f"client CPU {cpu / count * 1e6:.0f} µs each")


if __name__ == "__main__":
    asyncio.run(main(os.environ["LOTSE_BENCH_DATABASE_URL"], int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
