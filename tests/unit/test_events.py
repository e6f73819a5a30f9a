from __future__ import annotations

import json
import uuid

import pytest

from lotse.shared import events
from lotse.shared.events import MalformedEvent, parse_event


def test_round_trip() -> None:
    event = events.new_event(events.PARTICIPANT_VERIFIED, participant_id=uuid.uuid4(), kind="newcomer")
    parsed = parse_event(event.to_json())
    assert parsed == event
    envelope = json.loads(event.to_json())
    assert set(envelope) == {"id", "type", "occurred_at", "version", "data"}
    assert envelope["version"] == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"[]", "must be an object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"type": "participant.verified", "version": 2}', "unsupported version"),
        (b'{"type": "nope", "version": 1}', "unknown event type"),
        (
            b'{"id": "x", "type": "participant.verified", "version": 1, "occurred_at": "2026-01-01T00:00:00+00:00",'
            b' "data": {"participant_id": "1", "kind": "newcomer"}}',
            "bad id",
        ),
        (
            b'{"id": "6f1c1a8e-61f3-4b5e-9a43-0f6b7c3f1a11", "type": "participant.verified", "version": 1,'
            b' "occurred_at": "2026-01-01T00:00:00+00:00", "data": {"kind": "newcomer"}}',
            "participant_id is missing",
        ),
        (
            b'{"id": "6f1c1a8e-61f3-4b5e-9a43-0f6b7c3f1a11", "type": "participant.verified", "version": 1,'
            b' "occurred_at": "2026-01-01T00:00:00+00:00", "data": {"participant_id": "Bob", "kind": "x"}}',
            "not a UUID",
        ),
    ],
)
def test_malformed_envelopes_are_named(body: bytes, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_event(body)


def test_unknown_type_cannot_be_created() -> None:
    with pytest.raises(ValueError):
        events.new_event("participant.exploded", participant_id=uuid.uuid4())
