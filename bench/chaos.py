"""The chaos run: the whole system under load while the broker, the database and the services
are killed and restarted at random; then the ledgers are joined and checked.

    .venv/bin/python -m bench.chaos --minutes 6        # the full run (as root, on Debian)
    tests/chaos/test_chaos.py                          # a bounded run in CI

Report, in the style of the Jepsen checker for RabbitMQ:
lost (an accepted registration or committed event without its effect), duplicated effects,
duplicate emails (the same X-Lotse-Notification received twice), stuck (neither processed nor
dead-lettered; in this load no message is poison, so a dead-lettered event counts as lost),
HTTP 500s, the answers given while the database was down, and the time to recover after each
kill: until the component accepts connections again, until the next accepted request, and until
the next message processed by a consumer, each measured from the kill.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import asyncpg

from bench.chaos_infra import PrivatePostgres, PrivateRabbit, wait_for_port
from lotse.matcher.consumer import MatcherConsumer
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import tokens
from lotse.shared.consumer import DEAD_REASON_HEADER
from lotse.shared.mailsink import MailSink, free_port
from lotse.shared.tokens import TokenSigner
from lotse.shared.topology import QUEUES, QueueSpec
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

SECRET = "chaos-secret-key-0123456789abcdef"
COORDINATOR = ("chaos@example.org", "a long chaos passphrase")
WORKERS = ("matcher", "matcher2", "notifier", "notifier2")


@dataclass
class Fault:
    kind: str
    target: str
    at: float  # wall clock of the kill
    repaired_at: float = 0.0  # wall clock when it accepted connections again
    api_back: float | None = None  # kill → first accepted request after the repair
    pipeline_back: float | None = None  # kill → first message processed after the repair


@dataclass
class Ledger:
    accepted: dict[str, uuid.UUID] = field(default_factory=dict)  # email -> participant id (HTTP 201)
    verified: set[uuid.UUID] = field(default_factory=set)  # HTTP 200 on /verify
    approved: set[uuid.UUID] = field(default_factory=set)  # HTTP 200 on approve
    statuses: Counter[int] = field(default_factory=Counter)
    unavailable_bodies_ok: int = 0
    unavailable_bodies_bad: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    unreachable: int = 0
    successes: list[float] = field(default_factory=list)  # wall clock of every 2xx, in order
    database_down: bool = False
    during_database_outage: Counter[int] = field(default_factory=Counter)  # 0 = no answer

    def no_answer(self) -> None:
        self.unreachable += 1  # intake itself was killed, is restarting, or did not answer in time
        if self.database_down:
            self.during_database_outage[0] += 1

    def answer(self, status: int, body: str) -> None:
        self.statuses[status] += 1
        if self.database_down:
            self.during_database_outage[status] += 1
        if status < 300:
            self.successes.append(time.time())
        elif status == 503:
            try:
                ok = "code" in json.loads(body)["error"]
            except (ValueError, KeyError, TypeError):
                ok = False
            if ok:
                self.unavailable_bodies_ok += 1
            else:
                self.unavailable_bodies_bad.append(body[:200])
        elif status >= 500:
            self.server_errors.append(f"{status}: {body[:300]}")


class System:
    """Private PostgreSQL, RabbitMQ and mail sink; intake, two matchers, two notifiers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Ports and node name of their own, so two runs (or a run and CI) never meet.
        self.pg = PrivatePostgres(root / "pg", port=free_port())
        self.rabbit = PrivateRabbit(root / "rabbit", port=free_port(), dist_port=free_port(),
                                    node=f"lotse-chaos-{os.getpid()}@localhost")
        self.sink = MailSink(root / "mail", keep=True)
        self.http_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.http_port}"
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "LOTSE_DATABASE_URL": self.pg.url, "LOTSE_AMQP_URL": self.rabbit.url,
            "LOTSE_SMTP_PORT": str(self.sink.smtp_port), "LOTSE_HTTP_PORT": str(self.http_port),
            "LOTSE_PUBLIC_URL": self.base_url, "LOTSE_SECRET_KEY": SECRET,
            "LOTSE_COORDINATOR_EMAIL": COORDINATOR[0], "LOTSE_COORDINATOR_PASSWORD": COORDINATOR[1],
            "LOTSE_INTAKE_RATE_LIMIT": "0", "LOTSE_OUTBOX_POLL_INTERVAL": "0.5", "LOTSE_PUBLISH_TIMEOUT": "3",
        }

    def up(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)  # the postgres and rabbitmq users must reach their directories
        (self.root / "logs").mkdir(exist_ok=True)
        self.pg.create()
        self.rabbit.create()
        self.sink.start()
        subprocess.run([sys.executable, "-m", "lotse.shared.cli", "migrate"], env=self.env(), check=True,
                       capture_output=True)
        for name in ("intake", *WORKERS):
            self.start(name)
        wait_for_port(self.http_port, 60)

    def start(self, name: str) -> None:
        service = name.rstrip("0123456789")
        with (self.root / "logs" / f"{name}.log").open("ab") as log:
            self.processes[name] = subprocess.Popen([sys.executable, "-m", "lotse.shared.cli", service],
                                                    env=self.env(), stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def down(self) -> dict[str, int]:
        codes = {}
        for name, process in list(self.processes.items()):
            process.terminate()
            try:
                codes[name] = process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                codes[name] = -9
        self.processes.clear()
        self.sink.stop()
        self.rabbit.destroy()
        self.pg.destroy()
        return codes


class Load:
    """Registrations, verifications and approvals at a bounded rate, recorded in the ledger."""

    def __init__(self, system: System, ledger: Ledger, rate: float) -> None:
        self.system, self.ledger, self.rate = system, ledger, rate
        self.signer = TokenSigner(SECRET)
        self.to_verify: list[uuid.UUID] = []
        self.token: str | None = None

    async def _call(self, http: aiohttp.ClientSession, method: str, path: str, **kwargs: Any) -> tuple[int, str]:
        try:
            async with http.request(method, self.system.base_url + path, timeout=aiohttp.ClientTimeout(total=10),
                                    **kwargs) as response:
                body = await response.text()
                self.ledger.answer(response.status, body)
                return response.status, body
        except (TimeoutError, aiohttp.ClientError):
            self.ledger.no_answer()
            return 0, ""

    async def register(self, http: aiohttp.ClientSession, n: int) -> None:
        body = mentor_payload(capacity=3) if n % 4 == 0 else newcomer_payload()
        status, text = await self._call(http, "POST", "/api/v1/" + ("mentors" if n % 4 == 0 else "newcomers"),
                                        json=body)
        if status == 201:
            participant = uuid.UUID(json.loads(text)["id"])
            self.ledger.accepted[str(body["email"])] = participant
            self.to_verify.append(participant)

    async def verify(self, http: aiohttp.ClientSession) -> None:
        if not self.to_verify:
            return
        participant = self.to_verify.pop(0)
        token = self.signer.sign(tokens.VERIFY, pid=str(participant))
        status, _ = await self._call(http, "POST", "/api/v1/verify", json={"token": token})
        if status == 200:
            self.ledger.verified.add(participant)
        elif status in (0, 503) or status >= 500:
            self.to_verify.append(participant)  # try again later, as a person would

    async def approve(self, http: aiohttp.ClientSession) -> None:
        if self.token is None:
            status, text = await self._call(http, "POST", "/api/v1/auth/login",
                                            json={"email": COORDINATOR[0], "password": COORDINATOR[1]})
            if status != 200:
                return
            self.token = json.loads(text)["token"]
        headers = {"Authorization": f"Bearer {self.token}"}
        status, text = await self._call(http, "GET", "/api/v1/matches?status=suggested&limit=5", headers=headers)
        if status == 401:
            self.token = None
        if status != 200:
            return
        for match in json.loads(text)["items"][:2]:
            status, _ = await self._call(http, "POST", f"/api/v1/matches/{match['id']}/approve", json={},
                                         headers=headers)
            if status == 200:
                self.ledger.approved.add(uuid.UUID(match["id"]))

    async def run(self, until: float, catch_up_s: float = 120) -> None:
        async with aiohttp.ClientSession() as http:
            n = 0
            while time.monotonic() < until:
                n += 1
                await asyncio.gather(self.register(http, n), self.verify(http),
                                     self.approve(http) if n % 5 == 0 else asyncio.sleep(0))
                await asyncio.sleep(1 / self.rate)
            # Everyone accepted also confirms their address in the end (bounded: a system that never
            # recovers leaves them unverified, which the report shows).
            deadline = time.monotonic() + catch_up_s
            while self.to_verify and time.monotonic() < deadline:
                await self.verify(http)
                await asyncio.sleep(0.05)


async def inject_faults(system: System, ledger: Ledger, plan: list[str], until: float) -> list[Fault]:
    """Kill something, start it again after a moment; recovery is measured from the ledgers afterwards."""
    faults: list[Fault] = []
    for done, kind in enumerate(plan):
        # Spread what is left over the time that is left, so every planned fault happens under load.
        await asyncio.sleep(max(0.0, until - time.monotonic()) / (len(plan) - done + 1) * random.uniform(0.5, 1.0))
        target = {"broker": "rabbitmq", "database": "postgresql"}.get(kind) or random.choice(("intake", *WORKERS))
        fault = Fault(kind, target, time.time())
        if kind == "broker":
            await asyncio.to_thread(system.rabbit.kill)
            await asyncio.sleep(random.uniform(1, 4))
            await asyncio.to_thread(system.rabbit.start)
        elif kind == "database":
            ledger.database_down = True
            try:
                await asyncio.to_thread(system.pg.kill)
                await asyncio.sleep(random.uniform(1, 4))
                await asyncio.to_thread(system.pg.start)
            finally:
                ledger.database_down = False
        else:
            system.kill(target)
            await asyncio.sleep(random.uniform(0.2, 1.5))
            system.start(target)
        fault.repaired_at = time.time()
        faults.append(fault)
        print(f"{time.strftime('%H:%M:%S')} {kind} fault ({target}) repaired after "
              f"{fault.repaired_at - fault.at:.1f} s", file=sys.stderr)
    return faults


def _first_after(times: list[float], moment: float) -> float | None:
    index = bisect.bisect_left(times, moment)
    return times[index] if index < len(times) else None


def measure_recovery(faults: list[Fault], successes: list[float], processed: dict[str, list[float]]) -> None:
    """Kill → the first accepted request, and the first processed message, after the repair.

    A killed matcher or notifier counts as back when its kind processes a message again; everything
    else when any consumer does. The time includes the outage the run imposed (1-4 s for the broker
    and the database, 0.2-1.5 s for a service) and the component's own start.
    """
    everything = sorted(t for times in processed.values() for t in times)
    for fault in faults:
        consumer = fault.target.rstrip("0123456789")
        times = processed.get(consumer, []) if consumer in processed else everything
        api = _first_after(successes, fault.repaired_at)
        pipeline = _first_after(times, fault.repaired_at)
        fault.api_back = None if api is None else api - fault.at
        fault.pipeline_back = None if pipeline is None else pipeline - fault.at


def _binds(spec: QueueSpec, event_type: str) -> bool:
    def match(pattern: str) -> bool:
        p, t = pattern.split("."), event_type.split(".")
        return len(p) == len(t) and all(a in ("*", b) for a, b in zip(p, t, strict=True))

    return any(match(b) for b in spec.bindings)


async def _queue_depths(amqp_url: str) -> dict[str, int]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        depths = {}
        for spec in QUEUES:
            for name in (spec.name, *map(spec.retry_queue, spec.retry_delays_s)):
                queue = await channel.declare_queue(name, passive=True)
                depths[name] = queue.declaration_result.message_count or 0
        return depths
    finally:
        await connection.close()


async def _dead_lettered(amqp_url: str) -> dict[str, dict[str, str]]:
    """consumer -> {message id: reason} from each dead-letter queue (passive declare: never creates one)."""
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        dead: dict[str, dict[str, str]] = {}
        for spec in QUEUES:
            queue = await channel.declare_queue(spec.dead_letter_queue, passive=True)
            reasons = {}
            while (message := await queue.get(fail=False, no_ack=True)) is not None:  # the run is over
                # No reason header: the broker dead-lettered it itself (delivery limit of the quorum queue).
                reason = (message.headers or {}).get(DEAD_REASON_HEADER, "delivery limit")
                reasons[str(message.message_id)] = str(reason)
            dead[spec.name.split(".")[0]] = reasons
        return dead
    finally:
        await connection.close()


async def settle(system: System, limit_s: float) -> float:
    """Wait until the outbox is published, the queues are drained and no email is in flight."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        try:
            pool = await asyncpg.connect(system.pg.url)
            try:
                unpublished = await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                in_flight = await pool.fetchval(
                    "SELECT count(*) FROM notifications WHERE status IN ('pending', 'sending')")
            finally:
                await pool.close()
            depths = await _queue_depths(system.rabbit.url)
            if unpublished == 0 and in_flight == 0 and not any(depths.values()):
                await asyncio.sleep(2)  # a last look: nothing new may appear
                return time.monotonic() - started
        except (OSError, asyncpg.PostgresError, aio_pika.exceptions.AMQPError):
            pass
        await asyncio.sleep(1)
    return -1.0


def _once(what: str, counts: Counter[uuid.UUID], expected: set[uuid.UUID], lost: list[str],
          duplicated: list[str]) -> None:
    """Each id in ``expected`` must appear exactly once in ``counts``; more is a duplicated effect anywhere."""
    lost += [f"{what} missing for {i}" for i in expected if counts[i] == 0]
    duplicated += [f"{what} {n} times for {i}" for i, n in counts.items() if n > 1]


async def check(system: System, ledger: Ledger, faults: list[Fault]) -> dict[str, object]:
    """Join the ledgers: HTTP answers → rows → outbox → processed messages → matches → notifications → mailbox."""
    db = await asyncpg.connect(system.pg.url)
    try:
        rows = {r["id"]: r for r in await db.fetch("SELECT id, status FROM participants")}
        outbox = await db.fetch("SELECT id, type, payload, published_at FROM outbox ORDER BY seq")
        processed_rows = await db.fetch(
            "SELECT consumer, message_id, extract(epoch FROM processed_at)::float8 AS at FROM processed_messages")
        notifications = await db.fetch("SELECT id, type, status, participant_id, match_id FROM notifications")
        match_status = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM matches")}
        double_suggestions = await db.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM matches WHERE status IN ('suggested', 'approved', 'introduced', "
            "'active') GROUP BY newcomer_id, counterpart_id HAVING count(*) > 1) x")
    finally:
        await db.close()
    dead = await _dead_lettered(system.rabbit.url)
    depths = await _queue_depths(system.rabbit.url)
    mails = system.sink.messages()
    received = Counter(str(m.headers.get("X-Lotse-Notification")) for m in mails)

    processed: set[tuple[str, str]] = set()
    processed_times: dict[str, list[float]] = defaultdict(list)
    for r in processed_rows:
        processed.add((r["consumer"], str(r["message_id"])))
        processed_times[r["consumer"]].append(r["at"])
    for times in processed_times.values():
        times.sort()
    measure_recovery(faults, ledger.successes, processed_times)

    lost: list[str] = []
    stuck: list[str] = []
    duplicated: list[str] = []
    accepted = set(ledger.accepted.values())

    # HTTP answers → rows.
    lost += [f"registration {e} (201) has no participant row" for e, p in ledger.accepted.items() if p not in rows]
    lost += [f"verification of {p} (200) not recorded" for p in ledger.verified
             if p in rows and rows[p]["status"] == "pending_verification"]
    lost += [f"approval of {m} (200) not recorded" for m in ledger.approved if match_status.get(m) == "suggested"]
    # The matcher takes every approved match to `introduced`; one still `approved` lost that step.
    lost += [f"match {m} approved (200) but never introduced" for m in ledger.approved
             if match_status.get(m) == "approved"]

    # Rows → events: one event per change, never two (a retried request must not write another).
    per_entity: dict[str, Counter[uuid.UUID]] = defaultdict(Counter)
    for event in outbox:
        payload = json.loads(event["payload"]) if isinstance(event["payload"], str) else event["payload"]
        entity = payload.get("participant_id") or payload.get("match_id")
        if entity:
            per_entity[event["type"]][uuid.UUID(entity)] += 1
    _once("participant.registered event", per_entity["participant.registered"], accepted, lost, duplicated)
    _once("participant.verified event", per_entity["participant.verified"], ledger.verified, lost, duplicated)
    _once("match.approved event", per_entity["match.approved"], ledger.approved, lost, duplicated)
    for kind in ("match.suggested", "match.introduced"):
        _once(f"{kind} event", per_entity[kind], set(), lost, duplicated)
    lost += [f"match.suggested event for {m}, no match row" for m in per_entity["match.suggested"]
             if m not in match_status]

    # Events → broker → each bound consumer: processed, or dead-lettered (a loss here: nothing is poison).
    # A type the consumer does not act on is acked without a record; the empty queues at the end
    # (the run waits for them) show those were not stuck either.
    handles = {"matcher": MatcherConsumer.HANDLES, "notifier": NotifierConsumer.HANDLES}
    dead_letters: list[str] = []
    for event in outbox:
        if event["published_at"] is None:
            lost.append(f"event {event['id']} ({event['type']}) committed, never published")
            continue
        for spec in QUEUES:
            consumer = spec.name.split(".")[0]
            if not _binds(spec, event["type"]) or event["type"] not in handles[consumer]:
                continue
            if (consumer, str(event["id"])) in processed:
                continue
            reason = dead.get(consumer, {}).get(str(event["id"]))
            if reason is not None:
                dead_letters.append(f"event {event['id']} ({event['type']}) dead-lettered by {consumer}: {reason}")
            else:
                stuck.append(f"event {event['id']} ({event['type']}) neither processed by {consumer} nor dead")
    lost += dead_letters
    stuck += [f"{n} messages still in {queue}" for queue, n in depths.items() if n]

    # Events → notifications: one verification email per registration, one confirmation per verification,
    # two introductions per introduction.
    by_type: dict[str, Counter[uuid.UUID]] = defaultdict(Counter)
    for n in notifications:
        by_type[n["type"]][n["match_id"] if n["type"] == "introduction" else n["participant_id"]] += 1
    _once("verification email request", by_type["verification"], accepted, lost, duplicated)
    _once("registration_confirmed email request", by_type["registration_confirmed"], ledger.verified, lost,
          duplicated)
    introduced = {m for m, status in match_status.items() if status in ("introduced", "active")}
    for match_id in introduced | set(by_type["introduction"]):
        count = by_type["introduction"][match_id]
        if count != 2:
            (lost if count < 2 else duplicated).append(f"match {match_id}: {count} introduction emails requested")
    if double_suggestions:
        duplicated.append(f"{double_suggestions} pairs with two live matches")

    # Notifications → the mailbox.
    status_of = {str(n["id"]): n["status"] for n in notifications}
    lost += [f"notification {i} marked sent, never received" for i, s in status_of.items()
             if s == "sent" and received[i] == 0]
    lost += [f"notification {i} failed" for i, s in status_of.items() if s == "failed"]  # no mail faults here
    stuck += [f"notification {i} still {s}" for i, s in status_of.items() if s in ("pending", "sending")]
    duplicated += [f"email {i} received, no such notification" for i in received if i not in status_of]
    type_of = {str(n["id"]): n["type"] for n in notifications}
    return {
        "registrations accepted": len(ledger.accepted), "verified": len(ledger.verified),
        "approved": len(ledger.approved), "events": len(outbox), "emails received": len(mails),
        "processed messages": len(processed_rows),
        "lost": lost, "duplicated effects": duplicated, "stuck": stuck,
        "duplicate emails": sum(n - 1 for n in received.values() if n > 1),
        "duplicate emails by type": dict(Counter(type_of.get(i, "?") for i, n in received.items()
                                                 for _ in range(n - 1))),
        "dead-lettered": {k: len(v) for k, v in dead.items()},
        "http 500s": ledger.server_errors, "http 503s": ledger.statuses[503],
        "503 without the error shape": ledger.unavailable_bodies_bad,
        "answers while the database was down": dict(sorted(ledger.during_database_outage.items())),
        "unreachable (intake down)": ledger.unreachable,
        "skipped emails": sum(1 for s in status_of.values() if s == "skipped"),
    }


def plan_faults(brokers: int, databases: int, services: int) -> list[str]:
    plan = ["broker"] * brokers + ["database"] * databases + ["service"] * services
    random.shuffle(plan)
    return plan


async def run(minutes: float, brokers: int, databases: int, services: int, rate: float, root: Path,
              seed: int) -> dict[str, object]:
    random.seed(seed)
    system = System(root)
    try:
        await asyncio.to_thread(system.up)
        ledger = Ledger()
        started = time.monotonic()
        until = started + minutes * 60
        load = Load(system, ledger, rate)
        loading = asyncio.create_task(load.run(until))
        try:
            faults = await inject_faults(system, ledger, plan_faults(brokers, databases, services), until - 10)
        finally:
            await loading
        load_s = time.monotonic() - started
        settled_after = await settle(system, limit_s=300)
        report = await check(system, ledger, faults)
        report["seed"] = seed
        report["load s"] = round(load_s)
        report["settled after s"] = round(settled_after, 1)
        report["faults"] = [{"kind": f.kind, "target": f.target, "restarted after s": round(f.repaired_at - f.at, 1),
                             "next request after s": None if f.api_back is None else round(f.api_back, 1),
                             "next processed after s": None if f.pipeline_back is None else round(f.pipeline_back, 1)}
                            for f in faults]
        return report
    finally:
        report_codes = await asyncio.to_thread(system.down)
        print("exit codes after SIGTERM:", report_codes, file=sys.stderr)


def _spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    values = sorted(values)
    return f"{values[len(values) // 2]:.1f} / {values[-1]:.1f} s"


def print_report(report: dict[str, object]) -> None:
    """The report as a Markdown table (what the README shows), then the first findings of any failed check."""
    faults = report["faults"]
    assert isinstance(faults, list)
    print()
    print("| fault | count | restarted (median / max) | next accepted request | next processed message |")
    print("|---|---|---|---|---|")
    for kind in ("broker", "database", "service"):
        mine = [f for f in faults if f["kind"] == kind]
        columns = [[f[key] for f in mine if f[key] is not None]
                   for key in ("restarted after s", "next request after s", "next processed after s")]
        print(f"| {kind} | {len(mine)} | " + " | ".join(_spread(c) for c in columns) + " |")
    print()
    outage = report["answers while the database was down"]
    assert isinstance(outage, dict)
    print("| check | result | target |")
    print("|---|---|---|")
    for key, label in (("lost", "lost (accepted request or committed event without its effect)"),
                       ("duplicated effects", "duplicated effects (two rows or effects for one message)"),
                       ("stuck", "stuck (neither processed nor dead-lettered)"),
                       ("http 500s", "HTTP 5xx other than 503"),
                       ("503 without the error shape", "503 without the contract's error shape")):
        value = report[key]
        assert isinstance(value, list)
        print(f"| {label} | {len(value)} | 0 |")
    answers = ", ".join(f"{n} × {'no answer' if status == 0 else status}" for status, n in outage.items())
    print(f"| answers while the database was down | {answers or 'none'} | 503 only |")
    print(f"| duplicate emails (same X-Lotse-Notification twice) | {report['duplicate emails']} of "
          f"{report['emails received']} {report['duplicate emails by type'] or ''} | reported |")
    print(f"| registrations / verified / approved | {report['registrations accepted']} / {report['verified']} / "
          f"{report['approved']} | |")
    print(f"| events / processed messages / emails | {report['events']} / {report['processed messages']} / "
          f"{report['emails received']} | |")
    print(f"| settled after the load | {report['settled after s']} s | |")
    print()
    for key in ("lost", "duplicated effects", "stuck", "http 500s", "503 without the error shape"):
        value = report[key]
        assert isinstance(value, list)
        for finding in value[:10]:
            print(f"{key}: {finding}")
    print(f"dead-lettered {report['dead-lettered']}, skipped emails {report['skipped emails']}, "
          f"no answer (intake down) {report['unreachable (intake down)']}, all 503s {report['http 503s']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=6)
    parser.add_argument("--broker-kills", type=int, default=6)
    parser.add_argument("--database-kills", type=int, default=4)
    parser.add_argument("--service-kills", type=int, default=24)
    parser.add_argument("--rate", type=float, default=8, help="registrations per second offered")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--dir", type=Path, default=Path(f"/tmp/lotse-chaos-{os.getpid()}"))
    args = parser.parse_args()
    print(f"seed {args.seed}; data in {args.dir}")
    report = asyncio.run(run(args.minutes, args.broker_kills, args.database_kills, args.service_kills, args.rate,
                             args.dir, args.seed))
    print_report(report)
    (args.dir.parent / f"lotse-chaos-{args.seed}.json").write_text(json.dumps(report, indent=2, default=str))
    failed = any(report[k] for k in ("lost", "duplicated effects", "stuck", "http 500s", "503 without the error shape"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
