"""`lotse reapply-erasures --from OLD_DATABASE_URL`: after a restore, erase again whoever the lost
database had erased (review 9a, F15).

A dump from night N brings back, in full, everyone erased after it: on the manage page
(`participant.erase_own`) or by a coordinator (`participant.erase`, API and dashboard). The database the
restore replaces still knows them: its audit log names each erasure, and its participants rows say
`erased`. Each one still present and not erased here is erased through :func:`privacy.erase`, the
same function the API uses (matches end, the outbox tells matcher and notifier, pending emails are
skipped), before the services start. The confirmation email goes out again only if the old database
had not sent it yet (its erasure receipt was still there); otherwise the receipt is dropped at once.
The audit log here gets a `participant.erase` entry by the system.

Only ids are printed: the command's output ends up in terminals and tickets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import asyncpg

from lotse.intake import audit, privacy
from lotse.shared.db import create_pool
from lotse.shared.dependencies import DATABASE, naming

#: Every audit action that records an erasure (audit.ACTIONS).
ERASE_ACTIONS: Final = ("participant.erase", "participant.erase_own")


@dataclass(frozen=True, slots=True)
class Erased:
    """One erasure the old database knows of."""
    participant_id: uuid.UUID
    at: datetime | None
    confirmed: bool  # its confirmation email had gone out (no receipt left in the old database)


async def erasures_in(old: asyncpg.Connection) -> list[Erased]:
    """The old database's erasures, oldest first: from its audit log, and its participants marked
    erased (which also covers an erasure whose audit entry is missing)."""
    found: dict[uuid.UUID, datetime | None] = {
        r["id"]: r["at"] for r in await old.fetch(
            """SELECT subject_id AS id, max(at) AS at FROM audit_log
               WHERE action = ANY($1::text[]) AND subject_type = 'participant' AND subject_id IS NOT NULL
               GROUP BY subject_id""",
            list(ERASE_ACTIONS))}
    for r in await old.fetch("SELECT id, erased_at FROM participants WHERE status = 'erased'"):
        found.setdefault(r["id"], r["erased_at"])
    waiting = {r["participant_id"] for r in await old.fetch(
        "SELECT participant_id FROM erasure_receipts WHERE participant_id = ANY($1::uuid[])", list(found))}
    return sorted((Erased(pid, at, pid not in waiting) for pid, at in found.items()),
                  key=lambda e: (e.at is None, e.at or datetime.min, str(e.participant_id)))


async def reapply(conn: asyncpg.Connection, erasures: list[Erased], *, dry_run: bool) -> dict[str, int]:
    """Erase here each of ``erasures`` that is present and not erased; prints one line each."""
    counts = {"erased": 0, "already_erased": 0, "not_here": 0}
    for erasure in erasures:
        pid = erasure.participant_id
        status = await conn.fetchval("SELECT status FROM participants WHERE id = $1", pid)
        if status is None:
            counts["not_here"] += 1  # registered after the dump (so never restored), or deleted unverified
            continue
        if status == "erased":
            counts["already_erased"] += 1  # erased before the dump was made
            continue
        when = erasure.at.isoformat(timespec="seconds") if erasure.at else "time unknown"
        print(f"{'would erase' if dry_run else 'erased'} {pid} (erased in the old database {when})")
        counts["erased"] += 1
        if dry_run:
            continue
        async with conn.transaction():
            await privacy.erase(conn, pid)
            await audit.record_system(conn, "participant.erase", "participant", pid, after={"status": "erased"})
            if erasure.confirmed:  # they were told already; telling them twice would only puzzle them
                await conn.execute("DELETE FROM erasure_receipts WHERE participant_id = $1", pid)
    return counts


async def run(database_url: str, old_database_url: str, *, dry_run: bool) -> int:
    with naming("--from", old_database_url):
        old = await asyncpg.connect(old_database_url)
    try:
        erasures = await erasures_in(old)
    finally:
        await old.close()
    with naming(DATABASE, database_url):
        pool = await create_pool(database_url, min_size=1, max_size=1, application_name="lotse-reapply-erasures")
    try:
        async with pool.acquire() as conn:
            counts = await reapply(conn, erasures, dry_run=dry_run)
    finally:
        await pool.close()
    verb = "would erase" if dry_run else "erased"
    print(f"{len(erasures)} erasure(s) in the old database: {verb} {counts['erased']} here, "
          f"{counts['already_erased']} erased here already, {counts['not_here']} not in this database")
    return 0
