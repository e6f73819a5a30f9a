"""`lotse dev`: the whole system on one machine, for trying Lotse out and developing it.

Starts PostgreSQL and RabbitMQ with the checkout's ``deploy/infra.sh up`` when their local
addresses do not answer (``dev_infra.py``; a remote one, or an install without the script, is
named with how to start it); runs migrations, the mail viewer, the three services and, on an
empty database, loads demo data. Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from lotse.shared.config import ConfigError, Settings, load_settings, mask_password, parse_port
from lotse.shared.dependencies import DependencyError
from lotse.shared.dev_infra import ensure_infra
from lotse.shared.dev_ports import dev_ports, ports_in_use
from lotse.shared.logs import configure_logging

DEV_DEFAULTS = {
    "LOTSE_DEV_MODE": "true",
    "LOTSE_COORDINATOR_EMAIL": "coordinator@lotse.localhost",
    "LOTSE_COORDINATOR_PASSWORD": "lotse-dev-password",
}
MAIL_VIEWER_PORT = 8025  # LOTSE_DEV_MAIL_VIEWER_PORT changes it
SERVICES = ("intake", "matcher", "notifier")
# On one machine the workers yield the CPU to intake: a burst of registrations is answered
# at once and its emails and suggestions follow a moment later, as separate pods with their
# own CPU requests would have it (docs/decisions.md, "Workers yield the CPU to intake").
NICENESS = {"matcher": 10, "notifier": 10}


def spawn(argv: list[str], env: dict[str, str], log: Path, niceness: int = 0,
          cwd: Path | None = None) -> subprocess.Popen[bytes]:
    """Start ``argv`` with its output appended to ``log``, ``niceness`` steps below our priority."""
    with log.open("ab") as out:
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    if niceness:
        os.setpriority(os.PRIO_PROCESS, process.pid, os.getpriority(os.PRIO_PROCESS, 0) + niceness)
    return process


def _spawn(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
    return spawn([sys.executable, "-m", "lotse.shared.cli", *args], env, log_dir / f"{name}.log",
                 NICENESS.get(name, 0))


def _wait_ready(url: str, processes: dict[str, subprocess.Popen[bytes]], timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def run_dev(demo: bool = True, state_dir: Path = Path(".state")) -> int:
    env = {**DEV_DEFAULTS, **os.environ}
    try:
        settings: Settings = load_settings(env)
        viewer_port = parse_port("LOTSE_DEV_MAIL_VIEWER_PORT",
                                 env.get("LOTSE_DEV_MAIL_VIEWER_PORT") or str(MAIL_VIEWER_PORT))
    except ConfigError as exc:
        print(f"lotse dev: configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging("dev", settings.log_level)
    if busy := ports_in_use(dev_ports(settings, viewer_port, env)):
        for line in busy:
            print(f"lotse dev: {line}", file=sys.stderr)
        return 1
    log_dir = state_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)

    if (code := ensure_infra(settings)) != 0:
        return code
    from lotse.shared.migrate import migrate

    try:
        asyncio.run(migrate(settings.database_url))
    except DependencyError as exc:  # a wrong password or database; or still not answering
        hint = "" if exc.permanent else "\nStart the infrastructure first: deploy/infra.sh up (or use deploy/dev.sh)."
        print(f"lotse dev: {exc}{hint}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"lotse dev: PostgreSQL does not answer at {mask_password(settings.database_url)} ({exc}).\n"
            "Start the infrastructure first: deploy/infra.sh up (or use deploy/dev.sh).",
            file=sys.stderr,
        )
        return 1

    processes: dict[str, subprocess.Popen[bytes]] = {
        "mailsink": _spawn(
            ["mailsink", "--maildir", str(state_dir / "mail"), "--smtp-port", str(settings.smtp_port),
             "--http-port", str(viewer_port)],
            env, log_dir, "mailsink",
        )
    }
    for offset, service in enumerate(SERVICES):
        own = dict(env)
        if env.get("LOTSE_METRICS_PORT"):  # three processes on one host: one metrics port each
            own["LOTSE_METRICS_PORT"] = str(int(env["LOTSE_METRICS_PORT"]) + offset)
        processes[service] = _spawn([service], own, log_dir, service)

    stopping = died = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        if not _wait_ready(f"http://{settings.http_host}:{settings.http_port}/readyz", processes):
            failed = [n for n, p in processes.items() if p.poll() is not None]
            print(f"lotse dev: did not become ready (exited: {failed}); logs in {log_dir}/", file=sys.stderr)
            return 1
        if demo:
            seeded = subprocess.run(
                [sys.executable, "-m", "lotse.shared.cli", "seed-demo"], env=env, check=False
            )
            if seeded.returncode != 0:
                print("lotse dev: loading demo data failed; see above", file=sys.stderr)
        print(_banner(settings, log_dir, viewer_port), flush=True)
        while not stopping:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"lotse dev: {name} exited with {process.returncode}; see {log_dir}/{name}.log",
                          file=sys.stderr)
                    stopping = died = True  # not asked to: a child died
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 1 if died else 0


def _banner(settings: Settings, log_dir: Path, viewer_port: int = MAIL_VIEWER_PORT) -> str:
    web = settings.public_url
    return "\n".join(
        [
            "",
            "Lotse is running.",
            f"  Registration forms   {web}/",
            f"  Coordinators         {web}/dashboard   ({settings.coordinator_email} / "
            f"{settings.coordinator_password})",
            f"  JSON API             {web}/api/v1/   (OpenAPI: {web}/api/v1/openapi.json)",
            f"  Mail viewer          http://127.0.0.1:{viewer_port}/",
            f"  Logs                 {log_dir}/",
            "Press Ctrl-C to stop.",
            "",
        ]
    )
