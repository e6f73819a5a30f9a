"""docker-compose.yml cannot be run here (no Docker engine), so its contract is checked instead."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from lotse.shared.cli import build_parser
from lotse.shared.config import _VARIABLES, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def test_every_service_runs_a_real_lotse_command(compose: dict[str, Any]) -> None:
    parser = build_parser()
    for name, service in compose["services"].items():
        command = service.get("command")
        if command and command[0] == "lotse":
            parser.parse_args(command[1:])  # exits on an unknown command or option
        elif "image" in service and not str(service["image"]).startswith("lotse"):
            continue
        else:
            pytest.fail(f"service {name} runs no lotse command")


def test_the_environment_is_valid_settings(compose: dict[str, Any]) -> None:
    for name in ("intake", "matcher", "notifier", "migrate"):
        env = {k: str(v) for k, v in compose["services"][name]["environment"].items()}
        assert set(env) <= set(_VARIABLES), f"{name}: unknown variables {set(env) - set(_VARIABLES)}"
        # `${NAME:-default}` as compose resolves it when NAME is unset.
        load_settings({k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", v) for k, v in env.items()})


def test_the_image_installs_the_package_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert "pip wheel" in dockerfile and "USER lotse" in dockerfile
    for path in ("shared", "services", "pyproject.toml"):
        assert re.search(rf"^COPY .*\b{re.escape(path)}\b", dockerfile, re.M), path


def test_the_workers_yield_the_cpu_to_intake(compose: dict[str, Any]) -> None:
    services = compose["services"]
    intake_shares = services["intake"].get("cpu_shares", 1024)  # Docker's default weight
    for name in ("matcher", "notifier"):
        assert services[name]["cpu_shares"] < intake_shares, name
