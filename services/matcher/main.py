"""`lotse matcher`: consume events until SIGTERM."""

from __future__ import annotations

from lotse.matcher import schedule
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared.config import Settings
from lotse.shared.runtime import Infrastructure
from lotse.shared.worker import Components, run_service


def setup(infra: Infrastructure) -> Components:
    interval = infra.settings.matcher_round_interval_minutes
    background = [schedule.run_periodically(infra.pool, interval)] if interval > 0 else []
    return Components(consumers=[MatcherConsumer(infra.pool, infra.amqp)], background=background)


def run(settings: Settings) -> int:
    return run_service(settings, "matcher", setup)
