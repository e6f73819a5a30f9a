"""Bindings: every event is routable (the relay publishes with mandatory), and each consumer
receives every event it acts on."""

from __future__ import annotations

import re

import pytest

from lotse.matcher.consumer import MatcherConsumer
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared.events import EVENT_TYPES
from lotse.shared.topology import MATCHER_QUEUE, QUEUES, QueueSpec


def _bound(spec: QueueSpec, routing_key: str) -> bool:
    """RabbitMQ topic matching for the patterns we use ('*' is one word, '#' any number)."""
    for pattern in spec.bindings:
        regex = re.escape(pattern).replace(r"\*", r"[^.]+").replace(r"\#", r".*")
        if re.fullmatch(regex, routing_key):
            return True
    return False


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_event_type_reaches_some_queue(event_type: str) -> None:
    assert any(_bound(spec, event_type) for spec in QUEUES)


@pytest.mark.parametrize("consumer", [MatcherConsumer, NotifierConsumer])
def test_each_consumer_receives_every_event_it_handles(
    consumer: type[MatcherConsumer] | type[NotifierConsumer],
) -> None:
    assert consumer.HANDLES <= EVENT_TYPES
    assert all(_bound(consumer.queue_spec, t) for t in consumer.HANDLES)


def test_the_matcher_handles_and_receives_every_event_it_acts_on() -> None:
    # Written out, not derived: the matcher's HANDLES comes from its bindings, so a binding dropped
    # by mistake would drop the event from both and no other check would notice.
    acts_on = {"participant.verified", "participant.updated", "match.approved", "match.rejected",
               "match.withdrawn", "match.responded", "match.ended", "matching.round_requested"}
    assert acts_on == MatcherConsumer.HANDLES
    assert all(_bound(MATCHER_QUEUE, t) for t in acts_on)


def test_the_matcher_is_not_sent_events_it_ignores() -> None:
    for ignored in ("participant.registered", "participant.erased", "match.suggested", "match.introduced"):
        assert not _bound(MATCHER_QUEUE, ignored)
    assert set(MATCHER_QUEUE.retired_bindings).isdisjoint(MATCHER_QUEUE.bindings)
