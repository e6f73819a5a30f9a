"""`lotse matcher`: consume events until SIGTERM."""

from __future__ import annotations

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared.config import Settings
from lotse.shared.runtime import Infrastructure
from lotse.shared.worker import Components, run_service


def setup(infra: Infrastructure) -> Components:
    return Components(consumers=[MatcherConsumer(infra.pool, infra.amqp)])


def run(settings: Settings) -> int:
    return run_service(settings, "matcher", setup)
