"""The chaos run: the whole system under load while the broker, the database and the services
are killed and restarted at random; then the ledgers are joined and checked.

    .venv/bin/python -m bench.chaos --minutes 6        # the full run (as root, on Debian)
    tests/chaos/test_chaos.py                          # a bounded run in CI

Report, in the style of the Jepsen checker for RabbitMQ:
lost (an accepted registration or committed event without its effect), duplicated effects,
duplicate emails (the same X-Lotse-Notification received twice), stuck (neither processed nor
dead-lettered), HTTP 500s, and the time to recover after each kill.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import aio_pika
import aiohttp
import asyncpg

from bench.chaos_infra import PrivatePostgres, PrivateRabbit, wait_for_port
from lotse.shared import tokens
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
    at: float
    repaired_at: float = 0.0
    recovered_after: float | None = None


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
    last_success: float = 0.0

    def answer(self, status: int, body: str) -> None:
        self.statuses[status] += 1
        if status < 300:
            self.last_success = time.monotonic()
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

    async def _call(self, http: aiohttp.ClientSession, method: str, path: str, **kwargs: object) -> tuple[int, str]:
        try:
            async with http.request(method, self.system.base_url + path, timeout=aiohttp.ClientTimeout(total=10),
                                    **kwargs) as response:  # type: ignore[arg-type]
                body = await response.text()
                self.ledger.answer(response.status, body)
                return response.status, body
        except (TimeoutError, aiohttp.ClientError):
            self.ledger.unreachable += 1  # intake itself was killed, or is restarting
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

    async def run(self, until: float) -> None:
        async with aiohttp.ClientSession() as http:
            n = 0
            while time.monotonic() < until:
                n += 1
                await asyncio.gather(self.register(http, n), self.verify(http),
                                     self.approve(http) if n % 5 == 0 else asyncio.sleep(0))
                await asyncio.sleep(1 / self.rate)
            while self.to_verify:  # everyone accepted also confirms their address in the end
                await self.verify(http)
                await asyncio.sleep(0.05)


async def inject_faults(system: System, ledger: Ledger, plan: list[str], until: float,
                        watchers: list[asyncio.Task[None]]) -> list[Fault]:
    """Kill something, repair it after a moment, measure until the API answers again."""
    faults: list[Fault] = []
    for done, kind in enumerate(plan):
        # Spread what is left over the time that is left, so every planned fault happens under load.
        await asyncio.sleep(max(0.0, until - time.monotonic()) / (len(plan) - done + 1) * random.uniform(0.5, 1.0))
        target = {"broker": "rabbitmq", "database": "postgresql"}.get(kind) or random.choice(("intake", *WORKERS))
        fault = Fault(kind, target, time.monotonic())
        if kind == "broker":
            await asyncio.to_thread(system.rabbit.kill)
            await asyncio.sleep(random.uniform(1, 4))
            await asyncio.to_thread(system.rabbit.start)
        elif kind == "database":
            await asyncio.to_thread(system.pg.kill)
            await asyncio.sleep(random.uniform(1, 4))
            await asyncio.to_thread(system.pg.start)
        else:
            system.kill(target)
            await asyncio.sleep(random.uniform(0.2, 1.5))
            system.start(target)
        fault.repaired_at = time.monotonic()
        faults.append(fault)
        watchers.append(asyncio.create_task(_measure_recovery(fault, ledger)))
    return faults


async def _measure_recovery(fault: Fault, ledger: Ledger, limit: float = 120) -> None:
    while time.monotonic() - fault.repaired_at < limit:
        if ledger.last_success > fault.repaired_at:
            fault.recovered_after = ledger.last_success - fault.at
            return
        await asyncio.sleep(0.1)


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
                depths[name] = queue.declaration_result.message_count
        return depths
    finally:
        await connection.close()


async def _dead_lettered(amqp_url: str) -> dict[str, set[str]]:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        dead: dict[str, set[str]] = {}
        for spec in QUEUES:
            queue = await channel.declare_queue(spec.dead_letter_queue, passive=True)
            ids = set()
            while (message := await queue.get(fail=False, no_ack=True)) is not None:  # the run is over
                ids.add(str(message.message_id))
            dead[spec.name.split(".")[0]] = ids
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


async def check(system: System, ledger: Ledger) -> dict[str, object]:
    """Join the ledgers: HTTP answers → rows → outbox → processed messages → notifications → mailbox."""
    db = await asyncpg.connect(system.pg.url)
    try:
        rows = {r["id"]: r for r in await db.fetch("SELECT id, status FROM participants")}
        outbox = await db.fetch("SELECT id, type, published_at FROM outbox")
        processed = {(r["consumer"], str(r["message_id"])) for r in await db.fetch(
            "SELECT consumer, message_id FROM processed_messages")}
        verification = Counter(r["participant_id"] for r in await db.fetch(
            "SELECT participant_id FROM notifications WHERE type = 'verification'"))
        notifications = {str(r["id"]): r["status"] for r in await db.fetch("SELECT id, status FROM notifications")}
        match_status = {r["id"]: r["status"] for r in await db.fetch("SELECT id, status FROM matches")}
        double_suggestions = await db.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM matches WHERE status IN ('suggested', 'approved', 'introduced', "
            "'active') GROUP BY newcomer_id, counterpart_id HAVING count(*) > 1) x")
        introductions = Counter(r["match_id"] for r in await db.fetch(
            "SELECT match_id FROM notifications WHERE type = 'introduction'"))
    finally:
        await db.close()
    dead = await _dead_lettered(system.rabbit.url)
    mails = system.sink.messages()
    received = Counter(m.headers.get("X-Lotse-Notification") for m in mails)

    lost: list[str] = []
    stuck: list[str] = []
    duplicated: list[str] = []
    lost += [f"registration {e} (201) has no participant row" for e, p in ledger.accepted.items() if p not in rows]
    lost += [f"verification of {p} (200) not recorded" for p in ledger.verified
             if p in rows and rows[p]["status"] == "pending_verification"]
    lost += [f"approval of {m} (200) not recorded" for m in ledger.approved if match_status.get(m) == "suggested"]
    for event in outbox:
        if event["published_at"] is None:
            lost.append(f"event {event['id']} ({event['type']}) committed, never published")
            continue
        for spec in QUEUES:
            consumer = spec.name.split(".")[0]
            if _binds(spec, event["type"]) and (consumer, str(event["id"])) not in processed \
                    and str(event["id"]) not in dead.get(consumer, set()):
                stuck.append(f"event {event['id']} ({event['type']}) neither processed by {consumer} nor dead")
    for participant in ledger.accepted.values():
        count = verification[participant]
        if count == 0:
            lost.append(f"participant {participant}: no verification email requested")
        elif count > 1:
            duplicated.append(f"participant {participant}: {count} verification emails requested")
    for match_id, status in match_status.items():
        if status in ("introduced", "active") and introductions[match_id] != 2:
            (lost if introductions[match_id] < 2 else duplicated).append(
                f"match {match_id}: {introductions[match_id]} introduction emails")
    if double_suggestions:
        duplicated.append(f"{double_suggestions} pairs with two live matches")
    sent = {i for i, s in notifications.items() if s == "sent"}
    lost += [f"notification {i} marked sent, never received" for i in sent if received[i] == 0]
    stuck += [f"notification {i} still {s}" for i, s in notifications.items() if s in ("pending", "sending")]
    return {
        "registrations accepted": len(ledger.accepted), "verified": len(ledger.verified),
        "approved": len(ledger.approved), "events": len(outbox), "emails received": len(mails),
        "lost": lost, "duplicated effects": duplicated, "stuck": stuck,
        "duplicate emails": sum(n - 1 for n in received.values() if n > 1),
        "dead-lettered": {k: len(v) for k, v in dead.items()},
        "http 500s": ledger.server_errors, "http 503s": ledger.statuses[503],
        "503 without the error shape": ledger.unavailable_bodies_bad,
        "unreachable (intake down)": ledger.unreachable,
        "failed emails": sum(1 for s in notifications.values() if s == "failed"),
    }


def plan_faults(brokers: int, databases: int, services: int) -> list[str]:
    plan = ["broker"] * brokers + ["database"] * databases + ["service"] * services
    random.shuffle(plan)
    return plan


async def run(minutes: float, brokers: int, databases: int, services: int, rate: float, root: Path,
              seed: int) -> dict[str, object]:
    random.seed(seed)
    system = System(root)
    await asyncio.to_thread(system.up)
    ledger = Ledger()
    watchers: list[asyncio.Task[None]] = []
    try:
        until = time.monotonic() + minutes * 60
        load = Load(system, ledger, rate)
        loading = asyncio.create_task(load.run(until))
        faults = await inject_faults(system, ledger, plan_faults(brokers, databases, services), until - 10,
                                     watchers)
        await loading
        settled_after = await settle(system, limit_s=300)
        await asyncio.sleep(0.5)
        report = await check(system, ledger)
        report["settled after s"] = round(settled_after, 1)
        report["faults"] = [{"kind": f.kind, "target": f.target,
                             "recovered after s": round(f.recovered_after, 1) if f.recovered_after else None}
                            for f in faults]
        return report
    finally:
        for watcher in watchers:
            watcher.cancel()
        report_codes = await asyncio.to_thread(system.down)
        print("exit codes after SIGTERM:", report_codes, file=sys.stderr)


def print_report(report: dict[str, object]) -> None:
    faults = report["faults"]
    assert isinstance(faults, list)
    by_kind = Counter(f["kind"] for f in faults)
    recoveries: dict[str, list[float]] = {}
    for f in faults:
        if f["recovered after s"] is not None:
            recoveries.setdefault(f["kind"], []).append(f["recovered after s"])
    print(f"faults injected: {dict(by_kind)}")
    for kind, times in sorted(recoveries.items()):
        times.sort()
        print(f"  {kind:9s} recovery (kill → next accepted request): median {times[len(times) // 2]:.1f} s, "
              f"max {times[-1]:.1f} s")
    print(f"{'check':32s} {'result':>8s}  target")
    for key, target in (("lost", "0"), ("duplicated effects", "0"), ("stuck", "0"), ("http 500s", "0"),
                        ("503 without the error shape", "0")):
        value = report[key]
        assert isinstance(value, list)
        print(f"{key:32s} {len(value):8d}  {target}  {'OK' if not value else 'FAIL: ' + '; '.join(value[:3])}")
    for key in ("duplicate emails", "http 503s", "unreachable (intake down)", "registrations accepted", "verified",
                "approved", "events", "emails received", "dead-lettered", "failed emails", "settled after s"):
        print(f"{key:32s} {report[key]!s:>8s}")


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
    failed = any(report[k] for k in ("lost", "duplicated effects", "stuck", "http 500s"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
