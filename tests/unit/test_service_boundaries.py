"""Services depend on `lotse.shared`, never on each other (ARCHITECTURE.md): intake importing the
matcher would load its numpy/scikit-learn code into every web worker, and tie one service's
deployment to another's internals. What two services both need belongs in shared/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("intake", "matcher", "notifier")
# The command line dispatcher starts each service, so it alone may import them (lazily).
SHARED_MAY_IMPORT_SERVICES = {"cli.py"}


def imported_modules(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from lotse import matcher` names the service in the alias, not the module
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def service_imports(names: set[str]) -> set[str]:
    """The services (`intake`, `matcher`, `notifier`) that ``names`` reach into."""
    return {parts[1] for parts in (name.split(".") for name in names)
            if len(parts) > 1 and parts[0] == "lotse" and parts[1] in SERVICES}


def crossings(folder: Path, allowed: set[str]) -> list[str]:
    found = []
    sources = sorted(folder.rglob("*.py"))
    assert len(sources) > 1, folder  # a moved folder would otherwise pass with nothing checked
    for source in sources:
        for service in sorted(service_imports(imported_modules(source)) - allowed):
            found.append(f"{source.relative_to(ROOT)} imports lotse.{service}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_imports_no_other_service(service: str) -> None:
    assert crossings(ROOT / "services" / service, allowed={service}) == []


def test_shared_imports_no_service_but_to_start_it() -> None:
    found = [line for line in crossings(ROOT / "shared", allowed=set())
             if Path(line.split(" ")[0]).name not in SHARED_MAY_IMPORT_SERVICES]
    assert found == []


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import lotse.matcher.rules\nfrom lotse.notifier import render\n"
                      "from lotse import intake\nfrom lotse.shared import db\nfrom . import sibling\n")
    assert service_imports(imported_modules(source)) == {"matcher", "notifier", "intake"}


# Inside intake, the dashboard is one of its web faces: intake's own modules (registrations,
# audit, privacy, …) and its API serve it and the public pages alike, so they import none of it;
# a change to a dashboard page then cannot reach an API response. Only the wiring may: routes.py
# mounts the dashboard's routes, and auth.py sends an expired dashboard session to its login page.
INTAKE = ROOT / "services" / "intake"
INTAKE_CORE = [*INTAKE.glob("*.py"), *(INTAKE / "api").rglob("*.py")]
MAY_IMPORT_DASHBOARD = {"routes.py", "auth.py"}


def dashboard_imports(names: set[str]) -> set[str]:
    return {name for name in names
            if name == "lotse.intake.dashboard" or name.startswith("lotse.intake.dashboard.")}


def test_intake_core_imports_the_dashboard_only_to_wire_it() -> None:
    assert {"routes.py", "auth.py", "audit.py"} <= {source.name for source in INTAKE_CORE}  # the scan finds them
    found = [f"{source.relative_to(ROOT)} imports {name}" for source in sorted(INTAKE_CORE)
             if source.parent != INTAKE or source.name not in MAY_IMPORT_DASHBOARD
             for name in sorted(dashboard_imports(imported_modules(source)))]
    assert found == []


def test_the_dashboard_check_sees_every_form_of_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("from lotse.intake.dashboard import sides\nimport lotse.intake.dashboard.render\n"
                      "from lotse.intake import dashboard\nfrom lotse.intake import dashboards_elsewhere\n")
    assert dashboard_imports(imported_modules(source)) == {
        "lotse.intake.dashboard", "lotse.intake.dashboard.sides", "lotse.intake.dashboard.render"}
