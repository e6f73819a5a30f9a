"""`lotse dev` starts local PostgreSQL/RabbitMQ with deploy/infra.sh only when they do not answer.

The probe and the script runner are injected: no infrastructure is touched here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lotse.shared import dev_infra
from lotse.shared.config import Settings, load_settings
from lotse.shared.dev_infra import ensure_infra


def _settings(db_host: str = "127.0.0.1", amqp_host: str = "localhost") -> Settings:
    return load_settings({"LOTSE_DEV_MODE": "true",
                          "LOTSE_DATABASE_URL": f"postgresql://lotse:lotse@{db_host}:5432/lotse",
                          "LOTSE_AMQP_URL": f"amqp://guest:guest@{amqp_host}/"})


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "deploy" / "infra.sh"
    path.parent.mkdir()
    path.write_text("#!/usr/bin/env bash\n")
    return path


class Infra:
    """Database and broker that answer from the moment the script has run (or from the start)."""

    def __init__(self, up: bool, script_code: int = 0) -> None:
        self.up = up
        self.script_code = script_code
        self.runs: list[Path] = []
        self.probed: list[tuple[str, int]] = []

    def probe(self, host: str, port: int) -> bool:
        self.probed.append((host, port))
        return self.up

    def run(self, script: Path) -> int:
        self.runs.append(script)
        self.up = self.script_code == 0
        return self.script_code


def test_local_and_not_answering_runs_the_script_once_then_continues(
        script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(up=False)
    assert ensure_infra(_settings(), infra.probe, infra.run, script, is_root=False) == 0
    assert infra.runs == [script]
    # Both addresses from the settings, the broker's port from the scheme's default.
    assert infra.probed[:2] == [("127.0.0.1", 5432), ("localhost", 5672)]
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line before starting: what, why, and that sudo is used
    assert "PostgreSQL at 127.0.0.1:5432 (LOTSE_DATABASE_URL) and RabbitMQ" in out
    assert "do not answer" in out and f"bash {script} up" in out and "not root" in out


def test_answering_does_not_run_the_script(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(up=True)
    assert ensure_infra(_settings(), infra.probe, infra.run, script, is_root=True) == 0
    assert infra.runs == []
    assert capsys.readouterr() == ("", "")


def test_remote_host_is_named_with_its_variable_and_exits_non_zero(
        script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(up=False)
    assert ensure_infra(_settings(db_host="db.example.org"), infra.probe, infra.run, script) == 1
    assert infra.runs == []  # the local broker is not started either: lotse dev cannot go on anyway
    err = capsys.readouterr().err
    assert "PostgreSQL at db.example.org:5432 (LOTSE_DATABASE_URL) does not answer" in err
    assert "point LOTSE_DATABASE_URL at one that runs" in err


def test_missing_script_says_how_to_start_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(up=False)
    assert ensure_infra(_settings(), infra.probe, infra.run, tmp_path / "deploy" / "infra.sh") == 1
    assert infra.runs == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no deploy/infra.sh" in err and "deploy/infra.sh up" in err and "docker compose" in err


def test_failing_script_exits_non_zero(script: Path, capsys: pytest.CaptureFixture[str]) -> None:
    infra = Infra(up=False, script_code=3)
    assert ensure_infra(_settings(), infra.probe, infra.run, script, is_root=False) == 1
    assert infra.runs == [script]
    assert "failed (exit 3)" in capsys.readouterr().err


def test_the_script_is_found_from_the_package_in_this_checkout() -> None:
    """The editable install maps lotse.shared onto <checkout>/shared; a wheel has no deploy/."""
    assert dev_infra.INFRA_SCRIPT.is_file()
    assert dev_infra.INFRA_SCRIPT.parent.parent.joinpath("shared", "dev_infra.py").is_file()


def test_probe_tells_a_listening_port_from_a_closed_one() -> None:
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert dev_infra.answers("127.0.0.1", port)
    assert not dev_infra.answers("127.0.0.1", port, timeout_s=0.5)


def test_lotse_dev_stops_before_migrating_when_infra_is_missing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from lotse.shared import dev

    seen: list[Settings] = []

    def missing(settings: Settings) -> int:
        seen.append(settings)
        return 1

    async def no_migrate(url: str) -> None:
        raise AssertionError("migrate must not run")

    monkeypatch.setattr(dev, "ensure_infra", missing)
    monkeypatch.setattr("lotse.shared.migrate.migrate", no_migrate)
    assert dev.run_dev(demo=False, state_dir=tmp_path) == 1
    assert len(seen) == 1
