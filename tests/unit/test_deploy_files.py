"""docker-compose.yml cannot be run here (no Docker engine), so its contract is checked instead."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml

from lotse.shared.cli import build_parser
from lotse.shared.config import _VARIABLES, load_settings

ROOT = Path(__file__).resolve().parents[2]
# What the operator's .env next to docker-compose.yml provides: the variables compose requires.
DOT_ENV = {"LOTSE_SECRET_KEY": secrets.token_hex(32), "LOTSE_COORDINATOR_PASSWORD": "the operator's own passphrase"}
LOTSE_SERVICES = ("migrate", "seed-demo", "mailsink", "intake", "matcher", "notifier")


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
        # `${NAME:-default}` as compose resolves it when NAME is unset, `${NAME:?…}` from .env.
        resolved = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", v) for k, v in env.items()}
        load_settings({k: re.sub(r"\$\{(\w+):\?[^}]*\}", lambda m: DOT_ENV[m[1]], v) for k, v in resolved.items()})


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


def test_the_secret_key_is_chosen_once_by_the_operator(compose: dict[str, Any]) -> None:
    """No default (a public one), and not a new one per `up` (every link already sent would break)."""
    for name in LOTSE_SERVICES:
        key = compose["services"][name]["environment"]["LOTSE_SECRET_KEY"]
        assert re.fullmatch(r"\$\{LOTSE_SECRET_KEY:\?[^}]*\.env[^}]*\}", key), f"{name}: {key}"
    readme = (ROOT / "README.md").read_text()
    assert "`LOTSE_SECRET_KEY=<openssl rand -hex 32>` into `.env` once" in readme
    assert "LOTSE_SECRET_KEY=$(openssl rand -hex 32) docker compose" not in readme
    assert ".env" in (ROOT / ".gitignore").read_text().split()  # the key stays out of git


def test_the_first_admins_password_is_chosen_by_the_operator(compose: dict[str, Any]) -> None:
    """Review 9a, F11: a default printed here is a password anyone can read; no default at all."""
    for name in LOTSE_SERVICES:
        password = compose["services"][name]["environment"]["LOTSE_COORDINATOR_PASSWORD"]
        assert re.fullmatch(r"\$\{LOTSE_COORDINATOR_PASSWORD:\?[^}]*\.env[^}]*\}", password), f"{name}: {password}"
    readme = (ROOT / "README.md").read_text()
    assert "/ `welcome-to-thuringia`" not in readme  # the old first-login box; now named only as refused
    assert "LOTSE_COORDINATOR_PASSWORD=" in readme


def test_demo_people_are_loaded_only_with_the_demo_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]
    seeding = [name for name, service in services.items() if "seed-demo" in service.get("command", [])]
    assert seeding == ["seed-demo"] and services["seed-demo"]["profiles"] == ["demo"]
    assert [name for name, service in services.items() if "profiles" in service] == ["seed-demo"]
    assert "docker compose --profile demo up" in (ROOT / "README.md").read_text()


def test_rabbitmq_keeps_its_queues_when_the_container_is_recreated(compose: dict[str, Any]) -> None:
    rabbitmq = compose["services"]["rabbitmq"]
    # The node name, and with it the data directory, follows the host name: a random one per container
    # would start an empty node on the same volume.
    assert re.fullmatch(r"[a-z][a-z0-9-]*", rabbitmq["hostname"])
    [volume] = [v.split(":")[0] for v in rabbitmq["volumes"] if v.split(":")[1] == "/var/lib/rabbitmq"]
    assert volume in compose["volumes"]


def test_one_build_makes_the_image_every_lotse_service_runs(compose: dict[str, Any]) -> None:
    services = compose["services"]
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    image = services["migrate"]["image"]
    for name in LOTSE_SERVICES:
        assert services[name]["image"] == image, name
        # Not looked for in a registry: it only exists once the build made it.
        assert name in builders or services[name]["pull_policy"] == "never", name
