"""deploy/systemd: Lotse on one server without Docker (docs/operations.md, "One server"). No systemd
runs here, so the units' contract is checked instead: each runs a real `lotse` subcommand with the
environment file, as the dedicated user, restarts on failure, starts after the migration; the
environment file's example names only real settings and is refused until its placeholder key is
replaced; the nightly dump keeps a month; the guide names every file."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from lotse.shared.cli import build_parser
from lotse.shared.config import _VARIABLES, ConfigError, load_settings, weak_settings
from lotse.shared.dev import NICENESS

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
SERVICES = ("intake", "matcher", "notifier")
LOTSE = "/opt/lotse/venv/bin/lotse"
ENV_FILE = "/etc/lotse/lotse.env"
Unit = dict[str, dict[str, list[str]]]


def _unit(name: str) -> Unit:
    """Sections of a unit file; a key may repeat (systemd adds the values up), so each is a list."""
    sections: Unit = {}
    section: dict[str, list[str]] = {}
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if header := re.fullmatch(r"\[(\w+)\]", line):
            section = sections.setdefault(header[1], {})
            continue
        key, equals, value = line.partition("=")
        assert equals, f"{name}: {line!r} is not key=value"
        section.setdefault(key.strip(), []).append(value.strip())
    return sections


def _one(unit: Unit, section: str, key: str) -> str:
    [value] = unit[section][key]
    return value


def _env_example() -> dict[str, str]:
    env = {}
    for line in (UNITS / "lotse.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, equals, value = line.partition("=")
            assert equals and key == key.strip() and value == value.strip(), line
            env[key] = value
    return env


@pytest.mark.parametrize("command", ["migrate", *SERVICES])
def test_each_unit_runs_a_real_lotse_command_as_the_lotse_user(command: str) -> None:
    unit = _unit(f"lotse-{command}.service")
    argv = shlex.split(_one(unit, "Service", "ExecStart"))
    assert argv[0] == LOTSE and argv[1:] == [command]
    build_parser().parse_args(argv[1:])  # exits 2 on a subcommand the CLI does not have
    assert _one(unit, "Service", "EnvironmentFile") == ENV_FILE  # no "-": a missing file is an error
    assert _one(unit, "Service", "User") == "lotse" and _one(unit, "Service", "Group") == "lotse"
    assert _one(unit, "Service", "NoNewPrivileges") == "yes"
    assert _one(unit, "Service", "ProtectSystem") == "strict"  # Lotse writes nothing to disk
    assert _one(unit, "Install", "WantedBy") == "multi-user.target"


def test_the_migration_runs_once_and_the_services_wait_for_it() -> None:
    migrate = _unit("lotse-migrate.service")
    assert _one(migrate, "Service", "Type") == "oneshot"
    assert _one(migrate, "Service", "RemainAfterExit") == "yes"  # else Requires= sees it gone at once
    assert "postgresql.service" in _one(migrate, "Unit", "After").split()
    for service in SERVICES:
        unit = _unit(f"lotse-{service}.service")
        assert "lotse-migrate.service" in _one(unit, "Unit", "Requires").split(), service
        after = _one(unit, "Unit", "After").split()
        assert {"lotse-migrate.service", "postgresql.service", "rabbitmq-server.service"} <= set(after), service


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_that_fails_is_restarted_but_a_refused_setting_is_not(service: str) -> None:
    unit = _unit(f"lotse-{service}.service")
    assert _one(unit, "Service", "Restart") == "on-failure"
    assert float(_one(unit, "Service", "RestartSec")) > 0
    assert _one(unit, "Service", "RestartPreventExitStatus") == "2"  # the CLI's exit code for a bad setting
    # A database that is away is waited for 60 s per start: the start limit must not stop retrying it.
    interval, burst = int(_one(unit, "Unit", "StartLimitIntervalSec")), int(_one(unit, "Unit", "StartLimitBurst"))
    assert burst * (60 + float(_one(unit, "Service", "RestartSec"))) > interval


@pytest.mark.parametrize("service", SERVICES)
def test_stopping_allows_what_the_cluster_allows(service: str) -> None:
    """SIGTERM finishes work in hand; systemd waits as long as the Deployment's grace period."""
    [deployment] = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / f"{service}.yaml").read_text())
                    if d["kind"] == "Deployment"]
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    unit = _unit(f"lotse-{service}.service")
    assert int(_one(unit, "Service", "TimeoutStopSec")) >= grace
    assert int(unit["Service"].get("Nice", ["0"])[0]) == NICENESS.get(service, 0)  # as `lotse dev` runs them


def test_the_environment_example_sets_what_production_needs() -> None:
    env = _env_example()
    assert set(env) <= set(_VARIABLES), set(env) - set(_VARIABLES)
    with pytest.raises(ConfigError, match="LOTSE_SECRET_KEY"):  # the placeholder key is refused
        load_settings(env)
    settings = load_settings(env | {"LOTSE_SECRET_KEY": "a" * 64})
    assert weak_settings(settings) == []  # https, a real mail server, a real sender
    assert settings.public_url.startswith("https://") and settings.proxy_hops == 1
    assert settings.smtp_port == 587 and settings.smtp_starttls
    assert settings.http_host == "127.0.0.1"  # only nginx reaches intake
    assert "LOTSE_DEV_MODE" not in env


def test_the_nightly_dump_is_custom_format_and_kept_for_a_month() -> None:
    backup = _unit("lotse-backup.service")
    assert _one(backup, "Service", "Type") == "oneshot" and _one(backup, "Service", "User") == "postgres"
    dump = _one(backup, "Service", "ExecStart")
    assert "pg_dump -Fc -d lotse" in dump and "%%Y" in dump  # a lone % would be a unit specifier
    prune = shlex.split(_one(backup, "Service", "ExecStartPost"))  # only after a dump that worked
    assert prune[0] == "/usr/bin/find" and prune[prune.index("-mtime") + 1] == "+30" and prune[-1] == "-delete"
    timer = _unit("lotse-backup.timer")
    assert _one(timer, "Timer", "OnCalendar") and _one(timer, "Timer", "Persistent") == "true"
    assert _one(timer, "Install", "WantedBy") == "timers.target"


def test_the_operations_guide_names_every_file() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    one_server = guide[guide.index("## One server"):]
    one_server = one_server[:one_server.index("\n## ", 1)]
    for path in sorted(UNITS.iterdir()):
        assert f"deploy/systemd/{path.name}" in one_server, path.name


def test_every_pointer_into_the_operations_guide_names_a_section() -> None:
    """`docs/operations.md, "Name"` in a deploy file or the README must lead somewhere (secret.yaml
    once pointed at a "Secrets" section that never existed)."""
    guide = (ROOT / "docs" / "operations.md").read_text()
    headings = re.findall(r"^#{2,3} (.+)$", guide, flags=re.MULTILINE)
    files = [p for p in (ROOT / "deploy").rglob("*") if p.is_file()] + [ROOT / "README.md", ROOT / "docker-compose.yml"]
    pointers = [(path.name, name) for path in files
                for name in re.findall(r'docs/operations\.md, "([^"]+)"', path.read_text(errors="replace"))]
    assert len(pointers) >= 5
    for source, name in pointers:
        assert any(heading.startswith(name) for heading in headings), f"{source}: no section {name!r}"
