"""The privacy notice says how long backups keep erased people (web/notices.BACKUP_DAYS): the period
the shipped deployments keep them, on one server and in the cluster."""

from __future__ import annotations

import re
from pathlib import Path

from lotse.intake.web.notices import BACKUP_DAYS

ROOT = Path(__file__).resolve().parents[2]


def test_the_notice_states_the_backup_period_of_both_deployments() -> None:
    dumps = (ROOT / "deploy/systemd/lotse-backup.service").read_text()
    cluster = (ROOT / "deploy/k8s/postgres.yaml").read_text()
    assert re.findall(r"-mtime \+(\d+)", dumps) == [str(BACKUP_DAYS)]
    assert re.findall(r"retentionPolicy: (\d+)d", cluster) == [str(BACKUP_DAYS)]
