"""Review 8g, finding 10: a second `lotse dev` on the same ports printed "Lotse is running" (the
first one answered its /readyz), then exited 0 once its own children had died. Now it names the
port in use and the variable that moves it before it starts anything, and a child that dies makes
it exit non-zero."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lotse.shared import dev, migrate
from tests.e2e.conftest import free_port


@pytest.fixture
def no_infrastructure(monkeypatch: pytest.MonkeyPatch) -> None:
    """`lotse dev` up to its children, without starting or migrating anything."""
    async def migrated(database_url: str) -> list[str]:
        return []

    monkeypatch.setattr(dev, "ensure_infra", lambda settings: 0)
    monkeypatch.setattr(migrate, "migrate", migrated)
    monkeypatch.setattr(dev, "configure_logging", lambda service, level: None)
    monkeypatch.setattr(dev.signal, "signal", lambda signum, handler: None)  # pytest keeps its own
    monkeypatch.delenv("LOTSE_METRICS_PORT", raising=False)
    for variable in ("LOTSE_HTTP_PORT", "LOTSE_SMTP_PORT", "LOTSE_DEV_MAIL_VIEWER_PORT"):
        monkeypatch.setenv(variable, str(free_port()))


@pytest.fixture
def listening() -> Iterator[int]:
    """A port something else listens on (another `lotse dev`, as it were)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield int(server.getsockname()[1])


@pytest.mark.parametrize("variable", ["LOTSE_HTTP_PORT", "LOTSE_SMTP_PORT", "LOTSE_DEV_MAIL_VIEWER_PORT"])
@pytest.mark.usefixtures("no_infrastructure")
def test_a_port_in_use_is_named_with_its_variable_and_nothing_starts(
    variable: str, listening: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(variable, str(listening))

    def spawned(*args: object) -> None:
        raise AssertionError("lotse dev started a child although a port is in use")

    monkeypatch.setattr(dev, "_spawn", spawned)
    assert dev.run_dev(demo=False, state_dir=tmp_path) == 1
    out, err = capsys.readouterr()
    assert "Lotse is running" not in out
    assert err.splitlines() == [f"lotse dev: port {listening} on 127.0.0.1 ({variable}) is in use, perhaps by "
                                f"another `lotse dev`: stop that, or set {variable} to a free port"]


@pytest.mark.usefixtures("no_infrastructure")
def test_a_child_that_dies_makes_lotse_dev_exit_non_zero(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def failing(args: list[str], env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
        return dev.spawn([sys.executable, "-c", "raise SystemExit(1)"], env, log_dir / f"{name}.log")

    monkeypatch.setattr(dev, "_spawn", failing)
    # As when another instance answered /readyz before this one's children had died.
    monkeypatch.setattr(dev, "_wait_ready", lambda url, processes: True)
    assert dev.run_dev(demo=False, state_dir=tmp_path) == 1
    assert "exited with 1" in capsys.readouterr().err
