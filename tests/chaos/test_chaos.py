"""A bounded chaos run in CI (the full one: `python -m bench.chaos`, see the README).

Private PostgreSQL and RabbitMQ on ports of their own are killed and restarted, and so are the
services, while registrations, verifications and approvals go on. Nothing accepted may be
lost, nothing done twice, nothing stuck, and the API never answers 500. The machine's own
PostgreSQL and RabbitMQ, which other tests use, are never touched.

About 3 minutes: 1.5 of load, then the settling (a killed notifier's claimed emails come back
after the two-minute stale-claim limit). Deselect with `-m "not chaos"`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench.chaos import print_report, run
from bench.chaos_infra import PG_BIN, RABBIT_SERVER

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.skipif(os.geteuid() != 0 or not (PG_BIN / "initdb").exists() or not Path(RABBIT_SERVER).exists(),
                       reason="needs root, postgresql-15 and rabbitmq-server (deploy/test.sh sets them up)"),
]


@pytest.mark.timeout(900)
async def test_nothing_is_lost_duplicated_or_stuck_under_kills() -> None:
    root = Path(f"/tmp/lotse-chaos-ci-{os.getpid()}")  # short and world-traversable, for postgres and rabbitmq
    report = await run(minutes=1.5, brokers=2, databases=2, services=6, rate=6, root=root, seed=20261123)
    print_report(report)
    faults = report["faults"]
    assert isinstance(faults, list) and len(faults) == 10
    assert report["registrations accepted"] and report["approved"]
    for check in ("lost", "duplicated effects", "stuck", "http 500s", "503 without the error shape"):
        assert report[check] == [], f"{check}: {report[check]}"
    assert report["settled after s"] != -1.0
    shutil.rmtree(root, ignore_errors=True)  # the services' logs and the mail stay only when it fails
