"""The metrics module: its text output is valid Prometheus exposition, and its labels stay bounded."""

from __future__ import annotations

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lotse.shared import metrics

EXPECTED = {
    "lotse_http_requests": "counter",
    "lotse_http_request_seconds": "histogram",
    "lotse_events": "counter",
    "lotse_event_processing_seconds": "histogram",
    "lotse_outbox_published": "counter",
    "lotse_outbox_publish_failures": "counter",
    "lotse_outbox_pending": "gauge",
    "lotse_outbox_oldest_pending_seconds": "gauge",
    "lotse_emails": "counter",
    "lotse_suggestions": "counter",
    "lotse_matcher_model_version": "gauge",
}


def test_the_text_output_parses_and_names_every_metric_with_its_type() -> None:
    # Labelled metrics only show up once a child exists; touch one of each, as the services do.
    metrics.HTTP_REQUESTS.labels("healthz", "GET", "2xx").inc(0)
    metrics.HTTP_LATENCY.labels("healthz", "2xx").observe(0.001)
    metrics.EVENTS.labels("matcher", "participant.verified", "processed").inc(0)
    metrics.EVENT_LATENCY.labels("matcher", "participant.verified").observe(0.001)
    metrics.EMAILS.labels("verification", "sent").inc(0)
    metrics.SUGGESTIONS.labels("mentor").inc(0)
    metrics.MODEL_VERSION.labels("mentor").set(0)

    families = {family.name: family for family in text_string_to_metric_families(generate_latest().decode())}

    assert {name: families[name].type for name in EXPECTED if name in families} == EXPECTED
    latency = {s.name for s in families["lotse_http_request_seconds"].samples}
    assert {"lotse_http_request_seconds_bucket", "lotse_http_request_seconds_count"} <= latency


def test_everything_lives_in_the_default_registry_that_the_metrics_port_serves() -> None:
    assert REGISTRY.get_sample_value("lotse_outbox_pending") is not None


def test_status_codes_are_reduced_to_their_class() -> None:
    assert [metrics.status_class(s) for s in (200, 201, 303, 404, 429, 503)] == ["2xx", "2xx", "3xx", "4xx", "4xx",
                                                                                "5xx"]


def test_a_made_up_method_does_not_become_a_label_of_its_own() -> None:
    assert metrics.method_label("POST") == "POST"
    assert metrics.method_label("PROPFIND") == "other"
    assert metrics.method_label("get") == "other"  # methods are case-sensitive (RFC 9110)
