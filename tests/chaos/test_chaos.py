"""A bounded chaos run in CI (the full one: `python -m bench.chaos`, see the README).

Private PostgreSQL and RabbitMQ on ports of their own are killed and restarted, and so are the
services, while registrations, verifications and approvals go on. Nothing accepted may be
lost, nothing done twice, nothing stuck, and the API never answers 500.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.chaos import print_report, run


@pytest.mark.timeout(900)
async def test_nothing_is_lost_duplicated_or_stuck_under_kills() -> None:
    root = Path(f"/tmp/lotse-chaos-ci-{os.getpid()}")  # short and world-traversable, for postgres and rabbitmq
    report = await run(minutes=1.5, brokers=2, databases=2, services=6, rate=6, root=root, seed=20261123)
    print_report(report)
    faults = report["faults"]
    assert isinstance(faults, list) and len(faults) == 10
    assert report["registrations accepted"] and report["approved"]  # type: ignore[truthy-bool]
    for check in ("lost", "duplicated effects", "stuck", "http 500s", "503 without the error shape"):
        assert report[check] == [], f"{check}: {report[check]}"
    assert report["settled after s"] != -1.0
