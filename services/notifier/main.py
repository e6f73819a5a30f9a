"""`lotse notifier`: turn events into emails until SIGTERM."""

from __future__ import annotations

from lotse.notifier import digest
from lotse.notifier.compose import Composer
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared.config import Settings
from lotse.shared.runtime import Infrastructure
from lotse.shared.worker import Components, run_service


def setup(infra: Infrastructure) -> Components:
    delivery = DeliveryLoop(infra.pool, infra.settings, Composer(infra.settings))
    return Components(
        consumers=[NotifierConsumer(infra.pool, infra.amqp, on_committed=delivery.wake)],
        background=[
            delivery.run(),
            digest.run_periodically(infra.pool, infra.settings.digest_interval_minutes, delivery.wake),
        ],
        with_relay=False,
    )


def run(settings: Settings) -> int:
    return run_service(settings, "notifier", setup)
