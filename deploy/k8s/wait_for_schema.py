"""Init container of every Lotse Deployment: wait until the database has every migration this image carries.

Kubernetes applies the migration Job and the Deployments together, and without this a pod can start
before `lotse migrate` finished. What the services do then (tried on 2026-11-23 against an empty
database): intake exits 1 at start-up when the bootstrap coordinator variables are set (the
``coordinators`` table is missing), and without them it answers ``/readyz`` with 200 while every
registration gets a 500; matcher and notifier start, log "relation ... does not exist" in their loops
and carry on once the tables exist, but a message they take meanwhile fails and goes through the
delayed retries (about 2.5 minutes in all) before it is dead-lettered. Waiting here avoids all of it:
a new pod starts only against a schema at least as new as its code, and during an upgrade the old
pods keep serving (``maxUnavailable: 0``) until it is.

It only reads ``schema_migrations``; it never migrates (the Job does, under its advisory lock).
kustomization.yaml turns this file into the ConfigMap ``lotse-wait-for-schema``; it runs with the
image's own Python and package: ``python /opt/lotse-k8s/wait_for_schema.py``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Iterable

import asyncpg

from lotse.shared.migrate import available_migrations

POLL_S = 3.0


def missing(wanted: Iterable[str], applied: Iterable[str]) -> list[str]:
    """Migrations of this image not yet applied; versions applied by a newer image do not matter."""
    return sorted(set(wanted) - set(applied))


async def applied_versions(database_url: str) -> set[str]:
    conn = await asyncpg.connect(database_url, timeout=10)
    try:
        return {row["version"] for row in await conn.fetch("SELECT version FROM schema_migrations")}
    except asyncpg.UndefinedTableError:  # `lotse migrate` has never run
        return set()
    finally:
        await conn.close()


def check_once(database_url: str) -> list[str]:
    """What is still missing; the reason as one item while the database cannot be asked."""
    wanted = [version for version, _ in available_migrations()]
    try:
        return missing(wanted, asyncio.run(applied_versions(database_url)))
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return [f"(database not answering: {type(exc).__name__})"]


def main(poll_s: float = POLL_S) -> int:
    database_url = os.environ["LOTSE_DATABASE_URL"]
    while pending := check_once(database_url):
        print("waiting for lotse migrate:", " ".join(pending), flush=True)
        time.sleep(poll_s)
    print("schema is current", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
