"""`lotse notifier`: turn events into emails until SIGTERM."""

from __future__ import annotations

from lotse.notifier import digest
from lotse.notifier.compose import Composer
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.notifier.lanes import Lanes
from lotse.shared.config import Settings
from lotse.shared.runtime import Infrastructure
from lotse.shared.worker import Components, run_service


def setup(infra: Infrastructure) -> Components:
    # Several delivery loops, each with its own SMTP and database connection: one email's round
    # trips to the mail server no longer wait for the previous one's. They share the work as
    # separate processes do (claims with SKIP LOCKED).
    composer = Composer(infra.settings)
    lanes = Lanes([DeliveryLoop(infra.pool, infra.settings, composer)
                   for _ in range(infra.settings.smtp_connections)])
    return Components(
        consumers=[NotifierConsumer(infra.pool, infra.amqp, on_committed=lanes.wake)],
        background=[
            *(loop.run() for loop in lanes.loops),
            digest.run_periodically(infra.pool, infra.settings.digest_interval_minutes, lanes.wake),
        ],
        with_relay=False,
    )


def run(settings: Settings) -> int:
    return run_service(settings, "notifier", setup)
