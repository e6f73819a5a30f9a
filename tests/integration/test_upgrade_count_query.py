"""Review 9d, D7: docs/operations.md's one-server upgrade box gives a query counting whom the first
retention pass after migration 0042 would tell of their deletion; it counts what the pass does."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

from tests.integration.notifier_fixtures import add_participant
from tests.integration.test_inactive_erasure import _aged, _course, _match, _pass

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def _count_query() -> str:
    text = OPERATIONS.read_text()
    box = text[text.index("**Upgrading from a release before migration 0042.**"):]
    [sql] = re.findall(r"> ```sql\n(.*?)> ```", box, re.S)[:1]
    return "\n".join(line.removeprefix(">").removeprefix(" ") for line in sql.splitlines())


async def test_the_documented_count_is_what_the_first_pass_notices(pool: asyncpg.Pool) -> None:
    quiet = [await add_participant(pool, kind, name=f"Quiet {kind}", locale="de")
             for kind in ("newcomer", "mentor", "language_provider")]
    recent = await add_participant(pool, "mentor", name="Renate Vogel", locale="de")
    busy = await add_participant(pool, "newcomer", name="Busy Newcomer", locale="de")
    for who in (*quiet, busy):
        await _aged(pool, who.id)
    await _aged(pool, recent.id, days=650)
    await _match(pool, quiet[0].id, quiet[1].id, "completed")  # ended long ago
    await _match(pool, busy.id, recent.id, "active")  # running: not told
    await _course(pool, quiet[2].id)

    counted = await pool.fetchval(_count_query())
    assert counted == 3
    assert (await _pass(pool))["inactive_noticed"] == counted
