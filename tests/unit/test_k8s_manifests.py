"""deploy/k8s cannot be applied here (no cluster), so its contract is checked instead: every
document parses, the services get every setting they need, probes and resources are set, and
the engines underneath are the real distributed ones."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from lotse.shared.cli import build_parser
from lotse.shared.config import _VARIABLES, load_settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SERVICES = ("intake", "matcher", "notifier")


@pytest.fixture(scope="module")
def documents() -> dict[str, list[dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for name in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / name).read_text()):
            by_kind[document["kind"]].append(document)
    listed = set(kustomization["resources"])
    assert {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"} == listed, "a manifest is not listed"
    return by_kind


def _named(documents: dict[str, list[dict[str, Any]]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents[kind]}


def _environment(documents: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    config = _named(documents, "ConfigMap")["lotse-settings"]["data"]
    secret = _named(documents, "Secret")["lotse-secrets"]["stringData"]
    return {**config, **secret}


def test_the_settings_are_complete_and_valid(documents: dict[str, list[dict[str, Any]]]) -> None:
    env = _environment(documents)
    assert set(env) <= set(_VARIABLES), f"unknown variables: {set(env) - set(_VARIABLES)}"
    settings = load_settings(env)  # raises, naming the variable, on a bad value
    assert settings.metrics_port == 9100 and not settings.dev_mode
    assert "LOTSE_SECRET_KEY" in _named(documents, "Secret")["lotse-secrets"]["stringData"]
    assert "LOTSE_SECRET_KEY" not in _named(documents, "ConfigMap")["lotse-settings"]["data"]


def test_every_service_is_a_probed_bounded_deployment(documents: dict[str, list[dict[str, Any]]]) -> None:
    deployments = _named(documents, "Deployment")
    parser = build_parser()
    for service in SERVICES:
        spec = deployments[f"lotse-{service}"]["spec"]
        assert spec["replicas"] >= 2
        pod = spec["template"]["spec"]
        [container] = pod["containers"]
        assert container["command"] == ["lotse", service]
        parser.parse_args(container["command"][1:])
        assert {"readinessProbe", "livenessProbe"} <= set(container)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in ports
        assert ports["metrics"] == int(_environment(documents)["LOTSE_METRICS_PORT"])
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert "memory" in container["resources"]["limits"]
        refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
        assert refs == {"lotse-settings", "lotse-secrets"}
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["terminationGracePeriodSeconds"] >= 20
    intake = deployments["lotse-intake"]["spec"]["template"]["spec"]["containers"][0]
    assert intake["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert intake["livenessProbe"]["httpGet"]["path"] == "/healthz"


def test_migrations_run_as_a_job(documents: dict[str, list[dict[str, Any]]]) -> None:
    [job] = documents["Job"]
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["lotse", "migrate"]


def test_workers_autoscale_and_intake_is_exposed(documents: dict[str, list[dict[str, Any]]]) -> None:
    deployments = _named(documents, "Deployment")
    targets = {h["spec"]["scaleTargetRef"]["name"] for h in documents["HorizontalPodAutoscaler"]}
    assert targets == {"lotse-matcher", "lotse-notifier"} and targets <= set(deployments)
    [ingress] = documents["Ingress"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert backend in _named(documents, "Service")


def test_the_engines_underneath_are_clustered(documents: dict[str, list[dict[str, Any]]]) -> None:
    [rabbit] = documents["RabbitmqCluster"]
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1" and rabbit["spec"]["replicas"] >= 3
    [postgres] = documents["Cluster"]
    assert postgres["apiVersion"] == "postgresql.cnpg.io/v1" and postgres["spec"]["instances"] >= 2
    assert "barmanObjectStore" in postgres["spec"]["backup"]
    env = _environment(documents)
    assert f"@{postgres['metadata']['name']}-rw:" in env["LOTSE_DATABASE_URL"]
    assert f"@{rabbit['metadata']['name']}:" in env["LOTSE_AMQP_URL"]
