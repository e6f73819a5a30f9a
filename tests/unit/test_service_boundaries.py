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
    for source in sorted(folder.rglob("*.py")):
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
