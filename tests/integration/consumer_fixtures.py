"""A consumer of the shared base with a controllable handler, for tests of the base itself.

Also runnable as a process (``python -m tests.integration.consumer_fixtures QUEUE``) so a test
can kill it with SIGKILL in the middle of a message.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import dataclass, field

import aio_pika
import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.shared.consumer import Consumer, PermanentError
from lotse.shared.db import create_pool
from lotse.shared.events import Event
from lotse.shared.topology import QueueSpec, declare_queue

EFFECTS_TABLE = """CREATE TABLE IF NOT EXISTS test_effects (
    id bigserial PRIMARY KEY, message_id uuid NOT NULL, consumer text NOT NULL)"""


def make_queue_spec(name: str | None = None) -> QueueSpec:
    return QueueSpec(
        name=name or f"test.{uuid.uuid4().hex[:12]}",
        bindings=(),
        retry_delays_s=(1,),
        delivery_limit=3,
    )


@dataclass
class Behaviour:
    fail_times: int = 0  # transient failures before success
    permanent: bool = False
    hold_s: float = 0.0  # sleep inside the transaction (to be killed mid-message)
    poison: frozenset[str] = frozenset()  # event ids that fail for good, the others succeed
    says: str = ""  # what the failure's exception text says, if not the default
    calls: dict[str, int] = field(default_factory=dict)
    transactions: set[int] = field(default_factory=set)  # the database transactions handlers ran in


class RecordingConsumer(Consumer):
    name = "test"
    MAX_ATTEMPTS = 3

    def __init__(
        self, pool: asyncpg.Pool, connection: AbstractRobustConnection, spec: QueueSpec, behaviour: Behaviour
    ) -> None:
        super().__init__(pool, connection)
        self.queue_spec = spec  # type: ignore[misc]  # a class setting, per instance: each test its own queue
        self.behaviour = behaviour

    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        key = str(event.id)
        self.behaviour.calls[key] = self.behaviour.calls.get(key, 0) + 1
        self.behaviour.transactions.add(await conn.fetchval("SELECT txid_current()"))
        if self.behaviour.permanent or key in self.behaviour.poison:
            raise PermanentError(self.behaviour.says or "this can never work")
        if self.behaviour.calls[key] <= self.behaviour.fail_times:
            raise ConnectionError(self.behaviour.says or "a transient hiccup")
        await conn.execute(
            "INSERT INTO test_effects (message_id, consumer) VALUES ($1, $2)", event.id, self.name
        )
        if self.behaviour.hold_s:
            print("HOLDING", flush=True)
            await asyncio.sleep(self.behaviour.hold_s)


async def _main(queue_name: str, database_url: str, amqp_url: str) -> None:
    pool = await create_pool(database_url)
    connection = await aio_pika.connect_robust(amqp_url)
    spec = make_queue_spec(queue_name)
    await declare_queue(connection, spec)
    consumer = RecordingConsumer(pool, connection, spec, Behaviour(hold_s=60))
    await consumer.start()
    print("READY", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(_main(*sys.argv[1:4]))
