"""Review 9d, D7: the storage limit for people who left is set where an operator looks, in the
one-server environment file and the ConfigMap, beside the other settings, at its default."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.unit.test_systemd_units import _env_example

ROOT = Path(__file__).resolve().parents[2]
SETTING = "LOTSE_RETENTION_INACTIVE_DAYS"


def test_the_environment_file_names_the_inactivity_limit() -> None:
    assert _env_example()[SETTING] == "730"


def test_the_configmap_names_the_inactivity_limit() -> None:
    [configmap] = [d for d in yaml.safe_load_all((ROOT / "deploy" / "k8s" / "configmap.yaml").read_text())
                   if d and d["kind"] == "ConfigMap"]
    assert configmap["data"][SETTING] == "730"
