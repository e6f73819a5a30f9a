"""A private PostgreSQL cluster and RabbitMQ node for the chaos run, on ports of their own.

They are killed the hard way (``pg_ctl stop -m immediate``; SIGKILL to the broker's process
group) and started again. Only what this module started is ever touched: the machine's own
PostgreSQL and RabbitMQ, which other tests use, are left alone.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RABBIT_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


def _as(user: str, *command: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["runuser", "-u", user, "--", *command], check=True, capture_output=True)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, timeout: float) -> float:
    """Seconds until something accepts connections on 127.0.0.1:port."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return time.monotonic() - started
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


@dataclass
class PrivatePostgres:
    root: Path
    port: int = 55432

    @property
    def data(self) -> Path:
        return self.root / "pgdata"

    @property
    def url(self) -> str:
        return f"postgresql://lotse@127.0.0.1:{self.port}/lotse"

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.chown(self.root, "postgres", "postgres")
        _as("postgres", str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "lotse", "--auth=trust",
            "--no-sync", "-E", "UTF8")
        self.start()
        _as("postgres", str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lotse", "lotse")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        _as("postgres", str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.root / "postgres.log"), "-w", "start")

    def kill(self) -> None:
        """A crash: no checkpoint, no goodbye to clients; recovery replays the WAL at start."""
        _as("postgres", str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRabbit:
    root: Path
    port: int = 5673
    dist_port: int = 25673
    node: str = "lotse-chaos@localhost"
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "enabled_plugins").write_text("[].\n")
        # guest may log in over 127.0.0.1 only by default; that is where the services are.
        (self.root / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.root)], check=True)
        self.start()

    def _environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq.conf"),
            "HOME": "/var/lib/rabbitmq",
        }

    def start(self, timeout: float = 90) -> None:
        log = (self.root / "server.log").open("ab")
        # A session of its own: a SIGKILL to its process group reaches the Erlang VM and its helpers.
        self._process = subprocess.Popen(["runuser", "-u", "rabbitmq", "--", RABBIT_SERVER],
                                         env=self._environment(), stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.root)
        log.close()
        wait_for_port(self.port, timeout)

    def kill(self) -> None:
        """SIGKILL to the process group this module started (runuser, the start script, the Erlang VM)."""
        assert self._process is not None
        os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._process = None
        # The dead VM's ports must be free before a new one can take the name; a VM that is still
        # listening was not killed, and a run that pretended otherwise would prove nothing.
        deadline = time.monotonic() + 30
        while _listening(self.port) or _listening(self.dist_port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"RabbitMQ node {self.node} still listens after SIGKILL")
            time.sleep(0.2)

    def destroy(self) -> None:
        if self._process is not None:
            self.kill()
        shutil.rmtree(self.root, ignore_errors=True)
