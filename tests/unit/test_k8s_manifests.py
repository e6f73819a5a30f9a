"""deploy/k8s cannot be applied here (no cluster), so its contract is checked instead: every
document parses, the services get every setting they need, probes, resources and security
settings are there, new pods wait for the schema, and the engines underneath are the real
distributed ones with backups."""

from __future__ import annotations

import importlib.util
import inspect
import re
import secrets
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest
import yaml

from lotse.intake import health
from lotse.intake import main as intake_main
from lotse.shared import runtime
from lotse.shared.cli import build_parser
from lotse.shared.config import _VARIABLES, DEV_SECRET_KEY, ConfigError, Settings, load_settings, weak_settings
from lotse.shared.migrate import available_migrations
from lotse.shared.topology import QUEUES

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SERVICES = ("intake", "matcher", "notifier")
IMAGE = "lotse"  # what every container says; kustomization.yaml maps it to the real image
Documents = dict[str, list[dict[str, Any]]]


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load((K8S / "kustomization.yaml").read_text()))


@pytest.fixture(scope="module")
def documents(kustomization: dict[str, Any]) -> Documents:
    """Every document kustomize would emit, by kind (generated ConfigMaps included)."""
    listed = set(kustomization["resources"])
    assert {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"} == listed, "a manifest is not listed"
    by_kind: Documents = defaultdict(list)
    for name in kustomization["resources"]:
        for document in yaml.safe_load_all((K8S / name).read_text()):
            assert {"apiVersion", "kind", "metadata"} <= set(document), f"{name}: incomplete document"
            assert "namespace" not in document["metadata"], f"{name}: kustomization.yaml sets the namespace"
            by_kind[document["kind"]].append(document)
    for generator in kustomization.get("configMapGenerator", []):
        data = {file: (K8S / file).read_text() for file in generator["files"]}
        by_kind["ConfigMap"].append({"kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data})
    return by_kind


def _named(documents: Documents, kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents[kind]}


def _config(documents: Documents) -> dict[str, str]:
    return cast(dict[str, str], _named(documents, "ConfigMap")["lotse-settings"]["data"])


def _secret(documents: Documents) -> dict[str, str]:
    return cast(dict[str, str], _named(documents, "Secret")["lotse-secrets"]["stringData"])


def _environment(documents: Documents) -> dict[str, str]:
    """The variables as a pod sees them once secret.yaml's placeholder key and first admin are
    replaced, as the operator must: start-up refuses the placeholders."""
    return {**_config(documents), **_secret(documents), "LOTSE_SECRET_KEY": secrets.token_hex(32),
            "LOTSE_COORDINATOR_EMAIL": "first.admin@welcome.example",
            "LOTSE_COORDINATOR_PASSWORD": "the operator's own passphrase"}


def test_the_first_admin_left_as_published_stops_start_up(documents: Documents) -> None:
    """Review 9a, F11: secret.yaml's REPLACE-… admin would be an account anyone can read."""
    left = {**_environment(documents), "LOTSE_COORDINATOR_EMAIL": _secret(documents)["LOTSE_COORDINATOR_EMAIL"],
            "LOTSE_COORDINATOR_PASSWORD": _secret(documents)["LOTSE_COORDINATOR_PASSWORD"]}
    with pytest.raises(ConfigError, match=r"^LOTSE_COORDINATOR_EMAIL is a placeholder"):
        load_settings(left)


def _pod(workload: dict[str, Any]) -> dict[str, Any]:
    return cast(dict[str, Any], workload["spec"]["template"]["spec"])


def _deployment(documents: Documents, service: str) -> dict[str, Any]:
    return _named(documents, "Deployment")[f"lotse-{service}"]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def _hpas(documents: Documents) -> dict[str, dict[str, Any]]:
    return {h["spec"]["scaleTargetRef"]["name"]: h for h in documents["HorizontalPodAutoscaler"]}


# --- settings -------------------------------------------------------------------------------------


def test_the_settings_are_complete_and_valid(documents: Documents) -> None:
    env = _environment(documents)
    assert set(env) <= set(_VARIABLES), f"unknown variables: {set(env) - set(_VARIABLES)}"
    assert not set(_config(documents)) & set(_secret(documents)), "a variable is both in the ConfigMap and the Secret"
    settings = load_settings(env)  # raises, naming the variable, on a bad or missing value
    assert not settings.dev_mode
    assert weak_settings(settings) == [], "a pod would warn at every start"
    with pytest.raises(ConfigError, match=r"^LOTSE_SECRET_KEY is a placeholder"):
        load_settings({**env, "LOTSE_SECRET_KEY": _secret(documents)["LOTSE_SECRET_KEY"]})
    assert settings.metrics_port == 9100
    assert settings.http_host == "0.0.0.0", "intake would listen on 127.0.0.1 inside its pod"
    assert settings.public_url.startswith("https://"), "cookies are marked Secure only behind https"


def test_no_setting_is_left_at_a_default_that_means_this_machine(documents: Documents) -> None:
    """Every default that points at 127.0.0.1 or localhost, or is the development key, is overridden."""
    env = _environment(documents)
    defaults = Settings()
    local = {
        variable
        for variable, (field, _) in _VARIABLES.items()
        if isinstance(getattr(defaults, field), str)
        and re.search(r"127\.0\.0\.1|localhost", getattr(defaults, field))
    }
    assert {"LOTSE_DATABASE_URL", "LOTSE_AMQP_URL", "LOTSE_SMTP_HOST", "LOTSE_PUBLIC_URL"} <= local
    settings = load_settings(env)
    for variable in local:
        assert variable in env, f"{variable} is not set, so its default would point at the pod itself"
        value = getattr(settings, _VARIABLES[variable][0])
        assert "127.0.0.1" not in value and "localhost" not in value, variable
    assert settings.secret_key != DEV_SECRET_KEY


def test_secrets_are_in_the_secret_and_marked_as_placeholders(documents: Documents) -> None:
    secret, config = _secret(documents), _config(documents)
    must_be_secret = {"LOTSE_SECRET_KEY", "LOTSE_DATABASE_URL", "LOTSE_AMQP_URL", "LOTSE_SMTP_USER",
                      "LOTSE_SMTP_PASSWORD", "LOTSE_COORDINATOR_EMAIL", "LOTSE_COORDINATOR_PASSWORD"}
    assert must_be_secret <= set(secret), must_be_secret - set(secret)
    assert not must_be_secret & set(config)
    for name, value in secret.items():
        assert "REPLACE" in value, f"{name} in secret.yaml is not marked as a placeholder"
    for document in documents["Secret"]:
        for name, value in document["stringData"].items():
            assert "REPLACE" in value, f"{document['metadata']['name']}: {name} is not marked as a placeholder"


# --- the three services ---------------------------------------------------------------------------


def test_every_service_is_a_probed_bounded_deployment(documents: Documents) -> None:
    parser = build_parser()
    env = _environment(documents)
    for service in SERVICES:
        pod = _pod(_deployment(documents, service))
        [container] = pod["containers"]
        assert container["command"] == ["lotse", service]
        parser.parse_args(container["command"][1:])
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == int(env["LOTSE_METRICS_PORT"])
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"]["port"] in ports, f"{service}: {probe} on an undeclared port"
    intake = _pod(_deployment(documents, "intake"))["containers"][0]
    assert {p["name"]: p["containerPort"] for p in intake["ports"]}["http"] == int(env["LOTSE_HTTP_PORT"])
    assert intake["readinessProbe"]["httpGet"] == {"path": "/readyz?require=database", "port": "http"}
    assert intake["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    for service in ("matcher", "notifier"):  # no HTTP API: the metrics endpoint on the same event loop
        container = _pod(_deployment(documents, service))["containers"][0]
        assert container["livenessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}


def test_a_broker_outage_does_not_take_intake_out_of_its_service(documents: Documents) -> None:
    """Review 8g, finding 4: intake takes registrations while the broker is away (the outbox keeps
    their events), so its readiness asks for the database only; the checks it names are intake's."""
    probe = urlsplit(_pod(_deployment(documents, "intake"))["containers"][0]["readinessProbe"]["httpGet"]["path"])
    assert probe.path == "/readyz"
    assert parse_qs(probe.query, keep_blank_values=True) == {"require": ["database"]}
    assert set(parse_qs(probe.query)["require"][0].split(",")) <= set(health.CHECKS)
    guide = (ROOT / "docs" / "operations.md").read_text()
    probes = guide[guide.index("## Probes"):]
    assert "/readyz?require=database" in probes[:probes.index("\n## ", 1)]


def test_liveness_outlasts_the_wait_for_dependencies_at_start(documents: Documents) -> None:
    """The ports open only after the database and broker answered (up to `wait_s`, then exit)."""
    wait_s = inspect.signature(runtime.infrastructure).parameters["wait_s"].default
    for service in SERVICES:
        probe = _pod(_deployment(documents, service))["containers"][0]["livenessProbe"]
        patience = probe.get("initialDelaySeconds", 0) + probe["periodSeconds"] * probe["failureThreshold"]
        assert patience > wait_s, f"{service}: killed while still waiting for its dependencies"


def test_every_container_is_bounded_unprivileged_and_uses_the_one_image(documents: Documents) -> None:
    workloads = [*documents["Deployment"], *documents["Job"]]
    assert len(workloads) == len(SERVICES) + 1
    for workload in workloads:
        name, pod = workload["metadata"]["name"], _pod(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod.get("automountServiceAccountToken") is False, name
        for container in _containers(pod):
            where = f"{name}/{container['name']}"
            assert container["image"] == IMAGE, where
            refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
            assert refs == {"lotse-settings", "lotse-secrets"}, where
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), where
            assert "memory" in container["resources"]["limits"], where
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where


def test_the_image_name_is_set_in_one_place(kustomization: dict[str, Any]) -> None:
    [image] = kustomization["images"]
    assert image["name"] == IMAGE and image["newName"] and image["newTag"]


def test_each_service_runs_at_least_two_copies_and_one_owner_sets_the_count(documents: Documents) -> None:
    hpas = _hpas(documents)
    for service in SERVICES:
        deployment = _deployment(documents, service)
        name = deployment["metadata"]["name"]
        if name in hpas:
            assert "replicas" not in deployment["spec"], f"{name}: `kubectl apply` would reset the HPA's count"
            assert hpas[name]["spec"]["minReplicas"] >= 2
        else:
            assert deployment["spec"]["replicas"] >= 2, name
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, name
        assert name in _named(documents, "PodDisruptionBudget"), f"{name}: no PodDisruptionBudget"


def test_grace_periods_cover_the_graceful_shutdown(documents: Documents) -> None:
    intake = _pod(_deployment(documents, "intake"))
    [container] = intake["containers"]
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    shutdown = intake_main.SHUTDOWN_TIMEOUT_S
    assert intake["terminationGracePeriodSeconds"] >= int(pre_stop[1]) + shutdown + 5
    smtp_timeout = load_settings(_environment(documents)).smtp_timeout_s
    notifier = _pod(_deployment(documents, "notifier"))
    assert notifier["terminationGracePeriodSeconds"] >= 2 * smtp_timeout  # the email in hand is recorded
    assert _pod(_deployment(documents, "matcher"))["terminationGracePeriodSeconds"] >= 60  # a round in hand


# --- migrations -----------------------------------------------------------------------------------


def test_migrations_run_as_a_job(documents: Documents) -> None:
    [job] = documents["Job"]
    pod = _pod(job)
    [container] = pod["containers"]
    assert container["command"] == ["lotse", "migrate"]
    build_parser().parse_args(container["command"][1:])
    assert pod["restartPolicy"] in {"OnFailure", "Never"} and job["spec"]["backoffLimit"] >= 1


def test_every_deployment_waits_for_the_schema(documents: Documents) -> None:
    script = _named(documents, "ConfigMap")["lotse-wait-for-schema"]
    assert "wait_for_schema.py" in script["data"]
    for service in SERVICES:
        pod = _pod(_deployment(documents, service))
        [init] = pod["initContainers"]
        assert init["command"] == ["python", "/opt/lotse-k8s/wait_for_schema.py"], service
        [mount] = init["volumeMounts"]
        assert mount["mountPath"] == "/opt/lotse-k8s"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes[mount["name"]]["configMap"]["name"] == "lotse-wait-for-schema", service


@pytest.fixture(scope="module")
def wait_for_schema() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lotse_k8s_wait_for_schema", K8S / "wait_for_schema.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_wait_for_schema_knows_what_is_missing(wait_for_schema: ModuleType) -> None:
    assert wait_for_schema.missing(["0002_b", "0001_a"], []) == ["0001_a", "0002_b"]
    assert wait_for_schema.missing(["0001_a", "0002_b"], ["0001_a"]) == ["0002_b"]
    # A newer image already migrated further (a rollback): this one may start.
    assert wait_for_schema.missing(["0001_a"], ["0001_a", "0002_b"]) == []


def test_wait_for_schema_against_a_fake_database(wait_for_schema: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = [version for version, _ in available_migrations()]

    class Connection:
        def __init__(self, rows: list[dict[str, str]] | None) -> None:
            self.rows, self.closed = rows, False

        async def fetch(self, query: str) -> list[dict[str, str]]:
            assert query == "SELECT version FROM schema_migrations"
            if self.rows is None:
                raise asyncpg.UndefinedTableError('relation "schema_migrations" does not exist')
            return self.rows

        async def close(self) -> None:
            self.closed = True

    def connect_to(rows: list[dict[str, str]] | None) -> Connection:
        connection = Connection(rows)

        async def connect(url: str, timeout: float) -> Connection:
            assert url == "postgresql://db/lotse"
            return connection

        monkeypatch.setattr(wait_for_schema.asyncpg, "connect", connect)
        return connection

    never_migrated = connect_to(None)
    assert wait_for_schema.check_once("postgresql://db/lotse") == versions
    assert never_migrated.closed
    connect_to([{"version": v} for v in versions[:-1]])
    assert wait_for_schema.check_once("postgresql://db/lotse") == versions[-1:]
    connect_to([{"version": v} for v in versions])
    assert wait_for_schema.check_once("postgresql://db/lotse") == []

    async def refused(url: str, timeout: float) -> None:
        raise ConnectionRefusedError(111, "Connect call failed")

    monkeypatch.setattr(wait_for_schema.asyncpg, "connect", refused)
    assert wait_for_schema.check_once("postgresql://db/lotse") == ["(database not answering: ConnectionRefusedError)"]


def test_wait_for_schema_polls_until_nothing_is_missing(
    wait_for_schema: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = [["(database not answering: OSError)"], ["0012_outbox_notify"], []]
    sleeps: list[float] = []
    monkeypatch.setenv("LOTSE_DATABASE_URL", "postgresql://db/lotse")
    monkeypatch.setattr(wait_for_schema, "check_once", lambda url: answers.pop(0))
    monkeypatch.setattr(wait_for_schema.time, "sleep", sleeps.append)
    assert wait_for_schema.main(poll_s=3.0) == 0
    assert sleeps == [3.0, 3.0] and not answers
    out = capsys.readouterr().out
    assert "waiting for lotse migrate: 0012_outbox_notify" in out and out.endswith("schema is current\n")


# --- scaling and exposure -------------------------------------------------------------------------


def test_workers_autoscale_on_cpu(documents: Documents) -> None:
    deployments = _named(documents, "Deployment")
    hpas = _hpas(documents)
    assert set(hpas) == {"lotse-matcher", "lotse-notifier"} and set(hpas) <= set(deployments)
    for name, hpa in hpas.items():
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"] >= 2
        [metric] = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu" and metric["resource"]["target"]["type"] == "Utilization"
        assert "cpu" in _pod(deployments[name])["containers"][0]["resources"]["requests"], name


def test_intake_is_exposed_through_its_service_and_the_ingress(documents: Documents) -> None:
    services = _named(documents, "Service")
    service = services["lotse-intake"]
    pod_template = _deployment(documents, "intake")["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod_template["metadata"]["labels"].items()
    container_ports = {p["name"] for p in pod_template["spec"]["containers"][0]["ports"]}
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= container_ports
    ingresses = _named(documents, "Ingress")
    assert set(ingresses) == {"lotse", "lotse-signed-links"}
    for ingress in ingresses.values():
        [rule] = ingress["spec"]["rules"]
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "lotse-intake"
            assert backend["port"]["name"] in {p["name"] for p in services[backend["name"]]["spec"]["ports"]}
        assert rule["host"] == urlsplit(_config(documents)["LOTSE_PUBLIC_URL"]).hostname
        assert ingress["spec"]["tls"][0]["hosts"] == [rule["host"]]
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "256k"
    assert [p["path"] for p in ingresses["lotse"]["spec"]["rules"][0]["http"]["paths"]] == ["/"]


def test_signed_links_stay_out_of_the_ingress_access_log(documents: Documents) -> None:
    """Review 9a, F9: a signed link's path is its key; ingress-nginx logs whole request lines."""
    from aiohttp import web

    from lotse.intake.routes import setup_routes
    app = web.Application()
    setup_routes(app)
    signed = {r.resource.canonical.split("{token}")[0] for r in app.router.routes()
              if r.resource is not None and "{token}" in r.resource.canonical}
    quiet = _named(documents, "Ingress")["lotse-signed-links"]
    assert quiet["metadata"]["annotations"]["nginx.ingress.kubernetes.io/enable-access-log"] == "false"
    paths = quiet["spec"]["rules"][0]["http"]["paths"]
    assert {p["pathType"] for p in paths} == {"Prefix"}
    assert {p["path"] for p in paths} == signed


# --- the engines underneath -----------------------------------------------------------------------


def test_rabbitmq_is_a_three_node_cluster_the_services_point_at(documents: Documents) -> None:
    [rabbit] = documents["RabbitmqCluster"]
    assert rabbit["apiVersion"] == "rabbitmq.com/v1beta1" and rabbit["spec"]["replicas"] >= 3
    amqp = urlsplit(_secret(documents)["LOTSE_AMQP_URL"])
    assert amqp.hostname == rabbit["metadata"]["name"] and amqp.port == 5672


def test_postgres_has_replicas_continuous_backups_and_the_services_point_at_its_primary(
    documents: Documents,
) -> None:
    [postgres] = documents["Cluster"]
    spec = postgres["spec"]
    assert postgres["apiVersion"] == "postgresql.cnpg.io/v1" and spec["instances"] in (2, 3)
    [plugin] = spec["plugins"]
    assert plugin["name"] == "barman-cloud.cloudnative-pg.io" and plugin["isWALArchiver"] is True
    stores = _named(documents, "ObjectStore")
    store = stores[plugin["parameters"]["barmanObjectName"]]
    assert store["apiVersion"] == "barmancloud.cnpg.io/v1" and store["spec"]["retentionPolicy"]
    credentials = store["spec"]["configuration"]["s3Credentials"]
    secrets = _named(documents, "Secret")
    for ref in credentials.values():
        assert ref["key"] in secrets[ref["name"]]["stringData"], ref
    [scheduled] = documents["ScheduledBackup"]
    assert scheduled["spec"]["cluster"]["name"] == postgres["metadata"]["name"]
    assert scheduled["spec"]["method"] == "plugin"
    assert scheduled["spec"]["pluginConfiguration"]["name"] == plugin["name"]
    database = urlsplit(_secret(documents)["LOTSE_DATABASE_URL"])
    assert database.hostname == f"{postgres['metadata']['name']}-rw"  # always the primary
    assert database.username == spec["bootstrap"]["initdb"]["owner"]
    assert database.path == "/" + spec["bootstrap"]["initdb"]["database"]


def test_postgres_accepts_every_pool_at_full_scale(documents: Documents) -> None:
    """Each process keeps a pool; at the HPA maxima plus a rollout's surge pod they must all fit."""
    app_source = (ROOT / "services" / "intake" / "app.py").read_text()
    intake_pool = re.search(r"infrastructure\(settings, \"intake\", pool_max=(\d+)\b", app_source)
    assert intake_pool, "intake's pool size not found in services/intake/app.py"
    worker_pool = inspect.signature(runtime.infrastructure).parameters["pool_max"].default
    pools = {"intake": int(intake_pool[1]), "matcher": worker_pool, "notifier": worker_pool}
    hpas = _hpas(documents)
    needed = 1  # lotse migrate
    for service, pool in pools.items():
        deployment = _deployment(documents, service)
        name = deployment["metadata"]["name"]
        most = hpas[name]["spec"]["maxReplicas"] if name in hpas else deployment["spec"]["replicas"]
        needed += (most + deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"]) * pool
    [postgres] = documents["Cluster"]
    allowed = int(postgres["spec"]["postgresql"]["parameters"]["max_connections"])
    assert needed <= allowed - 10, f"{needed} connections needed, max_connections {allowed} (10 kept for the operator)"


def test_the_restore_drill_reads_the_production_archive(documents: Documents) -> None:
    [drill] = yaml.safe_load_all((K8S / "examples" / "restore-drill.yaml").read_text())
    [postgres] = documents["Cluster"]
    assert drill["kind"] == "Cluster" and drill["metadata"]["name"] != postgres["metadata"]["name"]
    assert "plugins" not in drill["spec"], "the drill must not archive into production's backup folder"
    recovery = drill["spec"]["bootstrap"]["recovery"]
    [source] = [c for c in drill["spec"]["externalClusters"] if c["name"] == recovery["source"]]
    parameters = source["plugin"]["parameters"]
    assert parameters["barmanObjectName"] == postgres["spec"]["plugins"][0]["parameters"]["barmanObjectName"]
    assert parameters["serverName"] == postgres["metadata"]["name"]


def test_the_operations_guide_names_the_real_queues() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    for spec in QUEUES:
        assert f"`{spec.name}`" in guide and f"`{spec.dead_letter_queue}`" in guide, spec.name
