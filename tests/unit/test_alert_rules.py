"""deploy/prometheus/alerts.yml: each alert is complete, and every Lotse series, label value and
route it asks about is one the services really export (a renamed metric must not silence an alert)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from aiohttp import web
from prometheus_client import REGISTRY

from lotse.intake.routes import setup_routes
from lotse.shared import metrics
from lotse.shared.topology import QUEUES

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"
# Label values the code writes that an alert may select on.
OUTCOMES = {"processed", "duplicate", "retried", "dead_lettered", "ignored", "sent", "failed", "skipped",
            "deferred"}


@pytest.fixture(scope="module")
def rules() -> list[dict[str, Any]]:
    groups = cast(dict[str, Any], yaml.safe_load(RULES.read_text()))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _exported() -> set[str]:
    """Every series name Lotse's own metrics expose (counters as _total, histograms' _bucket...)."""
    assert metrics.EMAILS is not None  # imported: its metrics are registered
    return {sample.name for family in REGISTRY.collect() if family.name.startswith("lotse_")
            for sample in family.samples} | {
        f"{family.name}{suffix}" for family in REGISTRY.collect() if family.name.startswith("lotse_")
        for suffix in {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"),
                       "gauge": ("",)}.get(family.type, ("",))}


def test_every_alert_is_complete_and_named_once(rules: list[dict[str, Any]]) -> None:
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)) and all(name.startswith("Lotse") for name in names)
    for rule in rules:
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]
        assert "for" not in rule or re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]


def test_the_alerts_ask_about_series_the_services_export(rules: list[dict[str, Any]]) -> None:
    exported = _exported()
    asked = {name for rule in rules for name in re.findall(r"\blotse_\w+", rule["expr"])}
    assert asked and asked <= exported, asked - exported


def test_the_label_values_the_alerts_select_are_ones_the_code_writes(rules: list[dict[str, Any]]) -> None:
    app = web.Application()
    setup_routes(app)
    routes = {r.name for r in app.router.routes() if r.name}
    queues = {spec.name for spec in QUEUES}
    for rule in rules:
        for label, value in re.findall(r'(\w+)=~?"([^"]*)"', rule["expr"]):
            choices = value.replace("\\\\", "\\").split("|") if label != "queue" else [value]
            if label == "outcome":
                assert set(choices) <= OUTCOMES, rule["alert"]
            elif label == "route":
                assert set(choices) <= routes, rule["alert"]
            elif label == "queue":
                assert {q for q in queues if re.fullmatch(value.replace("\\\\", "\\"), q)} == queues, rule["alert"]
            elif label == "status":
                assert value in ("2xx", "3xx", "4xx", "5xx"), rule["alert"]
