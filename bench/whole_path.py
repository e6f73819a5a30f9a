"""The whole path against the ceilings of what it is built on, side by side in one run.

    .venv/bin/python -m bench.whole_path [--requests 2000] [--rounds 3] [--log-level INFO]

Brings up intake, matcher and notifier (as `lotse dev` does: matcher and notifier below intake's
CPU priority, on ports of their own, against the database `lotse_bench` and the vhost
`lotse_bench` of the machine's PostgreSQL and RabbitMQ) and a process with bare endpoints
(bench/ceilings.py). Ceiling and project phases alternate; each figure is the median of the
rounds. Load goes to 127.0.0.1 only and is bounded in count. The services log at INFO, as
deployed (one line per batch of emails and per batch of messages; intake writes no line per
request, only errors, and counts requests in its metrics).
A benchmark, not a test: it prints figures and ratios and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import aiohttp
import aiormq
import asyncpg

from bench.chaos_infra import wait_for_port
from lotse.shared import events, tokens
from lotse.shared.db import create_pool
from lotse.shared.dev import NICENESS, spawn
from lotse.shared.mailsink import free_port
from lotse.shared.outbox import write_events
from lotse.shared.tokens import TokenSigner
from lotse.shared.topology import QUEUES
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

DATABASE = "lotse_bench"
DATABASE_URL = f"postgresql://lotse:lotse@127.0.0.1:5432/{DATABASE}"
AMQP_URL = f"amqp://guest:guest@127.0.0.1:5672/{DATABASE}"
SECRET = "bench-secret-key-0123456789abcdef"
COORDINATOR = ("bench@lotse.example", "bench-password-0123456789")
CONNECTIONS = 10
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Latencies:
    count: int
    seconds: float
    samples: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _sh(*command: str) -> None:
    subprocess.run(command, check=False, capture_output=True)


def prepare_infrastructure() -> None:
    """A database and a vhost of the benchmark's own, fresh each run."""
    _sh("su", "postgres", "-c", f"psql -c 'DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)'")
    _sh("su", "postgres", "-c", f"psql -c 'CREATE DATABASE {DATABASE} OWNER lotse'")
    _sh("rabbitmqctl", "delete_vhost", DATABASE)
    _sh("rabbitmqctl", "add_vhost", DATABASE)
    _sh("rabbitmqctl", "set_permissions", "-p", DATABASE, "guest", ".*", ".*", ".*")


# --- HTTP load ---------------------------------------------------------------------------------

async def closed_loop(url: str, bodies: list[dict[str, object]] | None, requests: int,
                      expect: int = 200) -> Latencies:
    """CONNECTIONS clients, each sending its next request as soon as the last is answered."""
    samples: list[float] = []
    failures = 0
    counter = iter(range(requests))
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client() -> None:
            nonlocal failures
            for i in counter:
                started = time.perf_counter()
                if bodies is None:
                    async with http.get(url) as response:
                        await response.read()
                else:
                    async with http.post(url, json=bodies[i]) as response:
                        await response.read()
                samples.append(time.perf_counter() - started)
                failures += response.status != expect

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - started
    if failures:
        print(f"  ! {failures} of {requests} answers to {url} were not {expect}", file=sys.stderr)
    return Latencies(requests, elapsed, samples)


async def open_loop(url: str, bodies: list[dict[str, object]], rate: float) -> Latencies:
    """A fixed offered load: request i leaves at i / rate, over at most CONNECTIONS connections."""
    samples: list[float] = []
    connector = aiohttp.TCPConnector(limit=CONNECTIONS)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.perf_counter()

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            sent = time.perf_counter()
            async with http.post(url, json=bodies[i]) as response:
                await response.read()
            samples.append(time.perf_counter() - sent)

        await asyncio.gather(*(one(i) for i in range(len(bodies))))
        elapsed = time.perf_counter() - start
    return Latencies(len(bodies), elapsed, samples)


# --- ceilings without HTTP ---------------------------------------------------------------------

async def raw_inserts(pool: asyncpg.Pool, count: int) -> float:
    async def one(_: int) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO bench_rows (id, body) VALUES ($1, '{}')", uuid.uuid4())

    started = time.perf_counter()
    for chunk in range(0, count, CONNECTIONS):
        await asyncio.gather(*(one(i) for i in range(chunk, min(count, chunk + CONNECTIONS))))
    return count / (time.perf_counter() - started)


async def raw_publishes(count: int, batch: int) -> float:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await channel.declare_exchange("bench.ceiling", aio_pika.ExchangeType.TOPIC, auto_delete=True)
        queue = await channel.declare_queue("bench.ceiling", auto_delete=True)
        await queue.bind(exchange, "#")
        body = events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor").to_json()
        started = time.perf_counter()
        for chunk in range(0, count, batch):
            await asyncio.gather(*(exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key="x")
                for _ in range(min(batch, count - chunk))))
        rate = count / (time.perf_counter() - started)
        await queue.purge()
        return rate
    finally:
        await connection.close()


async def raw_consume(pool: asyncpg.Pool, count: int, with_insert: bool) -> float:
    connection = await aio_pika.connect(AMQP_URL)
    try:
        channel = await connection.channel(publisher_confirms=True)
        queue = await channel.declare_queue(f"bench.consume.{uuid.uuid4().hex[:6]}", durable=True)
        for chunk in range(0, count, 200):
            await asyncio.gather(*(channel.default_exchange.publish(
                aio_pika.Message(b'{"n": 1}', delivery_mode=aio_pika.DeliveryMode.PERSISTENT), queue.name)
                for _ in range(min(200, count - chunk))))
        consumer_channel = await connection.channel()
        await consumer_channel.set_qos(prefetch_count=100)
        queue = await consumer_channel.get_queue(queue.name)
        done = asyncio.Event()
        seen = 0

        async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            if with_insert:
                async with pool.acquire() as conn, conn.transaction():
                    await conn.execute("INSERT INTO bench_rows (id, body) VALUES ($1, '{}')", uuid.uuid4())
            await message.ack()
            seen += 1
            if seen == count:
                done.set()

        started = time.perf_counter()
        tag = await queue.consume(handle)
        await asyncio.wait_for(done.wait(), 120)
        rate = count / (time.perf_counter() - started)
        await queue.cancel(tag)  # deleted under its consumer, the queue makes aiormq warn in the output
        await queue.delete(if_unused=False, if_empty=False)
        return rate
    finally:
        await connection.close()


# --- our path ----------------------------------------------------------------------------------

class Services:
    def __init__(self, root: Path, log_level: str = "INFO") -> None:
        self.root = root
        self.log_level = log_level  # INFO, the product's default: its log lines are part of the cost
        self.port = free_port()
        self.sink_port = free_port()
        self.ceiling_port = free_port()
        self.processes: list[subprocess.Popen[bytes]] = []
        self.by_name: dict[str, subprocess.Popen[bytes]] = {}

    def env(self) -> dict[str, str]:
        return {**os.environ, "LOTSE_DATABASE_URL": DATABASE_URL, "LOTSE_AMQP_URL": AMQP_URL,
                "LOTSE_SECRET_KEY": SECRET, "LOTSE_HTTP_PORT": str(self.port), "LOTSE_INTAKE_RATE_LIMIT": "0",
                "LOTSE_SMTP_PORT": str(self.sink_port), "LOTSE_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
                "LOTSE_OUTBOX_POLL_INTERVAL": "1", "LOTSE_LOG_LEVEL": self.log_level,
                "LOTSE_COORDINATOR_EMAIL": COORDINATOR[0], "LOTSE_COORDINATOR_PASSWORD": COORDINATOR[1]}

    def _spawn(self, name: str, *args: str) -> None:
        self.processes.append(spawn([sys.executable, *args], self.env(), self.root / f"{name}.log",
                                    NICENESS.get(name, 0), cwd=ROOT))
        self.by_name[name] = self.processes[-1]

    def pause_workers(self, paused: bool) -> None:
        """SIGSTOP/SIGCONT matcher and notifier: a part measured as its ceiling is, without them."""
        for name in ("matcher", "notifier"):
            self.by_name[name].send_signal(signal.SIGSTOP if paused else signal.SIGCONT)

    @contextlib.contextmanager
    def workers_paused(self) -> Iterator[None]:
        self.pause_workers(True)
        try:
            yield
        finally:
            self.pause_workers(False)

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "lotse.shared.cli", "migrate"], env=self.env(), check=True,
                       capture_output=True)
        # A zero-latency SMTP server that keeps nothing: the notifier is measured, not a mail server.
        self._spawn("smtp-sink", "-m", "bench.smtp_sink", str(self.sink_port))
        self._spawn("ceilings", "-m", "bench.ceilings", str(self.ceiling_port), DATABASE_URL)
        for service in ("intake", "matcher", "notifier"):
            self._spawn(service, "-m", "lotse.shared.cli", service)
        for port in (self.port, self.ceiling_port, self.sink_port):
            wait_for_port(port, 60)

    async def start(self) -> None:
        """Up, and every worker consuming: a phase measured while the matcher still starts (it
        imports scikit-learn, 2–3 s of CPU) would share the cores with it, the first round's
        ceiling phases most."""
        await asyncio.to_thread(self.up)
        try:
            await workers_consuming()
        except BaseException:
            await asyncio.to_thread(self.down)
            raise

    def down(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


async def relay_rate(pool: asyncpg.Pool, count: int) -> float:
    """Outbox rows written at once; the relay's time until every one is confirmed."""
    rows = [events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor")
            for _ in range(count)]
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        await write_events(conn, rows)
    ids = [e.id for e in rows]
    pending = len(ids)
    while pending:  # polling the table is the measurement: the relay lives in another process
        pending = await pool.fetchval("SELECT count(*) FROM outbox WHERE id = ANY($1) AND published_at IS NULL",
                                      ids)
        await asyncio.sleep(0.01)
    return count / (time.perf_counter() - started)


async def workers_consuming(limit_s: float = 120) -> None:
    """Wait until matcher and notifier each consume from their queue."""
    if not await _queues_until(lambda q: bool(q.consumer_count), limit_s):
        raise TimeoutError(f"matcher and notifier not consuming after {limit_s:.0f} s; see their logs")


async def queues_drained(limit_s: float = 180) -> None:
    """Wait until matcher and notifier have consumed everything (after they were paused)."""
    await _queues_until(lambda q: not q.message_count, limit_s)


async def _queues_until(test: Callable[[aiormq.spec.Queue.DeclareOk], bool], limit_s: float) -> bool:
    """Whether every service queue passed ``test`` within ``limit_s``; a queue not declared yet fails it."""
    connection = await aio_pika.connect(AMQP_URL)
    try:
        deadline = time.perf_counter() + limit_s
        while time.perf_counter() < deadline:
            if all([await _passes(connection, spec.name, test) for spec in QUEUES]):
                return True
            await asyncio.sleep(0.2)
        return False
    finally:
        await connection.close()


async def _passes(connection: aio_pika.abc.AbstractConnection, queue: str,
                  test: Callable[[aiormq.spec.Queue.DeclareOk], bool]) -> bool:
    # A channel per look: a passive declare of a queue not declared yet closes its channel.
    try:
        async with connection.channel() as channel:
            declared = await channel.declare_queue(queue, passive=True)
    except aio_pika.exceptions.ChannelClosed:
        return False
    return test(declared.declaration_result)


async def participant_ids(pool: asyncpg.Pool, bodies: list[dict[str, object]]) -> list[str]:
    """The ids of the registrations sent with these bodies."""
    rows = await pool.fetch("SELECT id FROM participants WHERE email = ANY($1)", [str(b["email"]) for b in bodies])
    return [str(r["id"]) for r in rows]


async def relay_done(pool: asyncpg.Pool) -> None:
    pending = 1
    while pending:  # the relay lives in another process: polling is the only way to see it
        pending = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        await asyncio.sleep(0.05)


async def emails_for(pool: asyncpg.Pool, participants: list[str], limit_s: float = 180) -> tuple[int, float]:
    """Wait until every participant's verification email is sent: (emails, emails per second)."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        row = await pool.fetchrow(
            "SELECT count(*) FILTER (WHERE status = 'sent') AS sent, count(*) AS total, "
            "extract(epoch FROM max(sent_at) - min(created_at)) AS span FROM notifications "
            "WHERE type = 'verification' AND participant_id = ANY($1::uuid[])", participants)
        if row["sent"] >= len(participants):
            return int(row["total"]), row["sent"] / max(float(row["span"] or 0), 1e-3)
        await asyncio.sleep(0.2)
    return -1, 0.0


async def approvals_to_introductions(
    base_url: str, pool: asyncpg.Pool, newcomers: list[str]
) -> tuple[Latencies, list[float]] | None:
    """Approve each newcomer's best suggestion, all at once over 10 connections; time until both
    introduction emails of each approved match are sent. Returns the approvals and the delays."""
    match_ids = [str(r["id"]) for r in await pool.fetch(
        "SELECT DISTINCT ON (newcomer_id) id FROM matches WHERE status = 'suggested' "
        "AND newcomer_id = ANY($1::uuid[]) ORDER BY newcomer_id, score DESC", newcomers)]
    if not match_ids:
        return None
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/api/v1/auth/login",
                             json={"email": COORDINATOR[0], "password": COORDINATOR[1]}) as response:
            token = (await response.json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        samples: list[float] = []
        approved_at: dict[str, float] = {}
        queue = iter(match_ids)

        async def client() -> None:
            for match_id in queue:
                sent = time.perf_counter()
                async with http.post(f"{base_url}/api/v1/matches/{match_id}/approve", json={},
                                     headers=headers) as response:
                    await response.read()
                samples.append(time.perf_counter() - sent)
                if response.status == 200:  # 409: that counterpart is full; no email is due
                    approved_at[match_id] = time.time()

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONNECTIONS)))
        approvals = Latencies(len(approved_at), time.perf_counter() - started, samples)
    deadline = time.perf_counter() + 120
    while time.perf_counter() < deadline:
        rows = await pool.fetch(
            "SELECT match_id, extract(epoch FROM max(sent_at)) AS last FROM notifications "
            "WHERE type = 'introduction' AND status = 'sent' AND match_id = ANY($1::uuid[]) "
            "GROUP BY match_id HAVING count(*) = 2", list(approved_at))
        if len(rows) == len(approved_at):
            return approvals, [float(r["last"]) - approved_at[str(r["match_id"])] for r in rows]
        await asyncio.sleep(0.2)
    return approvals, []


async def verification_to_suggestion(
    base_url: str, pool: asyncpg.Pool, rate: float, count: int
) -> tuple[list[str], list[float]]:
    """Register mentors and newcomers; verify the newcomers at ``rate``/s; time until each one's
    first suggestion. Returns the newcomers and those delays."""
    async with aiohttp.ClientSession() as http:
        for _ in range(10):
            async with http.post(f"{base_url}/api/v1/mentors", json=mentor_payload(capacity=10)) as response:
                mentor = (await response.json())["id"]
            await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                               uuid.UUID(mentor))
        newcomers = []
        for _ in range(count):
            async with http.post(f"{base_url}/api/v1/newcomers", json=newcomer_payload()) as response:
                newcomers.append((await response.json())["id"])
        await asyncio.sleep(3)  # let the registrations' own events pass
        signer = TokenSigner(SECRET)
        verified_at: dict[str, float] = {}
        start = time.perf_counter()

        async def verify(i: int, newcomer: str) -> None:
            await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
            token = signer.sign(tokens.VERIFY, pid=newcomer)
            async with http.post(f"{base_url}/api/v1/verify", json={"token": token}) as response:
                await response.read()
            verified_at[newcomer] = time.time()

        await asyncio.gather(*(verify(i, n) for i, n in enumerate(newcomers)))
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        rows = await pool.fetch("SELECT newcomer_id, extract(epoch FROM min(created_at)) AS first FROM matches "
                                "WHERE newcomer_id = ANY($1::uuid[]) GROUP BY newcomer_id", newcomers)
        if len(rows) == len(newcomers):
            return newcomers, [float(r["first"]) - verified_at[str(r["newcomer_id"])] for r in rows]
        await asyncio.sleep(0.2)
    return newcomers, []


# --- the run -----------------------------------------------------------------------------------

def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def measure(requests: int, rounds: int, log_level: str) -> dict[str, list[float]]:
    services = Services(Path(f"/tmp/lotse-bench-{os.getpid()}"), log_level)
    await services.start()
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    pool = await create_pool(DATABASE_URL, min_size=CONNECTIONS, max_size=CONNECTIONS)
    base = f"http://127.0.0.1:{services.port}"
    ceiling = f"http://127.0.0.1:{services.ceiling_port}"
    try:
        await closed_loop(f"{base}/healthz", None, 200)  # warm both servers up
        await closed_loop(f"{ceiling}/json", None, 200)
        for round_ in range(rounds):
            print(f"round {round_ + 1} of {rounds}", file=sys.stderr)
            bare = await closed_loop(f"{ceiling}/insert", [newcomer_payload() for _ in range(requests)], requests,
                                     expect=201)
            note("bare insert+outbox endpoint req/s", bare.rate)
            note("bare insert+outbox p99 ms", bare.pct(0.99))
            bodies = [newcomer_payload() for _ in range(requests)]
            ours = await closed_loop(f"{base}/api/v1/newcomers", bodies, requests, expect=201)
            note("registrations req/s (saturation)", ours.rate)
            for q in (0.5, 0.95, 0.99):
                note(f"registrations p{int(q * 100)} ms (saturation)", ours.pct(q))
            ids = await participant_ids(pool, bodies)
            total, email_rate = await emails_for(pool, ids)
            note("verification emails per accepted registration", total / max(len(ids), 1))
            note("emails/s while registrations arrive", email_rate)
            fixed = await open_loop(f"{base}/api/v1/newcomers", [newcomer_payload() for _ in range(requests // 2)],
                                    rate=200)
            note("registrations p99 ms at 200 req/s offered", fixed.pct(0.99))
            note("asyncpg insert transactions/s", await raw_inserts(pool, requests))
            note("confirmed publishes/s one by one", await raw_publishes(requests // 4, batch=1))
            note("confirmed publishes/s pipelined", await raw_publishes(requests * 2, batch=200))
            with services.workers_paused():  # as the ceiling's queue, nobody consumes meanwhile
                note("outbox relay events/s", await relay_rate(pool, requests * 2))
            await queues_drained()
            note("outbox relay events/s, consumers running", await relay_rate(pool, requests * 2))
            await queues_drained()
            note("consume+ack/s", await raw_consume(pool, requests, with_insert=False))
            note("consume+insert+ack/s", await raw_consume(pool, requests, with_insert=True))
            note("minimal JSON endpoint req/s", (await closed_loop(f"{ceiling}/json", None, requests)).rate)
            newcomers, latencies = await verification_to_suggestion(base, pool, rate=50, count=150)
            if latencies:
                latencies.sort()
                note("verification → first suggestion p50 ms", latencies[len(latencies) // 2] * 1000)
                note("verification → first suggestion p95 ms", latencies[int(0.95 * len(latencies))] * 1000)
            await queues_drained()
            introduced = await approvals_to_introductions(base, pool, newcomers)
            if introduced:
                approvals, delays = introduced
                note("approvals/s (each one match approved)", approvals.rate)
                note("approval answer p99 ms", approvals.pct(0.99))
                if delays:
                    delays.sort()
                    note("approval → both introduction emails sent p50 ms", delays[len(delays) // 2] * 1000)
                    note("approval → both introduction emails sent p95 ms", delays[int(0.95 * len(delays))] * 1000)
            await queues_drained()
            # Last in the round: intake alone, as the bare endpoint runs. Its registrations then
            # wait in the notifier's queue, as the consume ceiling's messages do: the notifier's
            # own rate is how fast it empties that backlog.
            quiet = [newcomer_payload() for _ in range(requests)]
            with services.workers_paused():
                alone = await closed_loop(f"{base}/api/v1/newcomers", quiet, requests, expect=201)
                await relay_done(pool)
            note("registrations req/s, matcher and notifier paused", alone.rate)
            note("registrations p99 ms, matcher and notifier paused", alone.pct(0.99))
            _, email_rate = await emails_for(pool, await participant_ids(pool, quiet))
            note("emails/s (notifier, from a backlog)", email_rate)
            await queues_drained()
    finally:
        await pool.close()
        await asyncio.to_thread(services.down)
    return figures


RATIOS = (  # (name, our figure, its ceiling, goal)
    ("registrations ÷ bare insert+outbox endpoint", "registrations req/s (saturation)",
     "bare insert+outbox endpoint req/s", "≥ 0.50"),
    ("registrations (workers paused) ÷ bare endpoint", "registrations req/s, matcher and notifier paused",
     "bare insert+outbox endpoint req/s", "—"),
    ("registrations ÷ asyncpg insert transactions", "registrations req/s (saturation)",
     "asyncpg insert transactions/s", "—"),
    ("outbox relay ÷ pipelined confirmed publishes", "outbox relay events/s", "confirmed publishes/s pipelined",
     "≥ 0.50"),
    ("notifier emails (backlog) ÷ consume+insert+ack", "emails/s (notifier, from a backlog)", "consume+insert+ack/s",
     "≥ 0.70"),
    ("relay (consumers running) ÷ pipelined publishes", "outbox relay events/s, consumers running",
     "confirmed publishes/s pipelined", "—"),
)


def report(figures: dict[str, list[float]]) -> None:
    """Medians, with each round's value beside them: on a shared machine the spread is part of the figure."""
    m = {k: median(v) for k, v in figures.items()}
    print(f"\n{'figure (median of rounds)':52s} {'value':>10s}  rounds")
    for name, value in m.items():
        print(f"{name:52s} {value:10.1f}  {' / '.join(f'{v:.1f}' for v in figures[name])}")
    # Ratio of the medians, and beside it each round's own ratio: a round measures both sides
    # minutes apart, so its ratio is the paired one.
    print(f"\n{'ratio':52s} {'value':>10s}  goal    rounds")
    for name, ours, ceiling, goal in RATIOS:
        rounds = " / ".join(f"{a / b:.2f}" for a, b in zip(figures[ours], figures[ceiling], strict=False) if b)
        print(f"{name:52s} {m[ours] / m[ceiling]:10.2f}  {goal:6s}  {rounds}")
    checks = [
        ("registrations p99 < 35 ms at 10 connections", m["registrations p99 ms (saturation)"] < 35),
        ("verification → suggestion p95 < 1 s at 50/s", m.get("verification → first suggestion p95 ms",
                                                            float("inf")) < 1000),
        ("exactly one verification email per registration",
         m["verification emails per accepted registration"] == 1.0),
    ]
    for name, ok in checks:
        print(f"{name:52s} {'MET' if ok else 'MISSED':>10s}")


def load_options(doc: str, rounds: int) -> argparse.ArgumentParser:
    """The options of every bench that brings the whole system up: load per phase, rounds."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser


def main() -> int:
    parser = load_options(__doc__, rounds=3)
    parser.add_argument("--log-level", default="INFO", help="the services' LOTSE_LOG_LEVEL (INFO, as deployed)")
    args = parser.parse_args()
    prepare_infrastructure()
    figures = asyncio.run(measure(args.requests, args.rounds, args.log_level))
    report(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
