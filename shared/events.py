"""Event envelope and the contract of every event type (version 1).

Payloads carry ids and codes only, never names, e-mail addresses or free text: a consumer
re-reads what it needs, so an erased person leaves nothing behind in queues.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

EXCHANGE = "lotse.events"
VERSION = 1

PARTICIPANT_REGISTERED = "participant.registered"
PARTICIPANT_VERIFIED = "participant.verified"
PARTICIPANT_UPDATED = "participant.updated"
PARTICIPANT_ERASED = "participant.erased"
MATCH_SUGGESTED = "match.suggested"
MATCH_APPROVED = "match.approved"
MATCH_REJECTED = "match.rejected"
MATCH_INTRODUCED = "match.introduced"
MATCH_WITHDRAWN = "match.withdrawn"
MATCH_RESPONDED = "match.responded"
MATCH_ENDED = "match.ended"
ROUND_REQUESTED = "matching.round_requested"
ROUND_COMPLETED = "matching.round_completed"
NOTIFICATION_REQUESTED = "notification.requested"

# Required payload fields per type; every value named `*_id` must be a UUID string.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    PARTICIPANT_REGISTERED: ("participant_id", "kind"),
    PARTICIPANT_VERIFIED: ("participant_id", "kind"),
    PARTICIPANT_UPDATED: ("participant_id", "kind"),
    PARTICIPANT_ERASED: ("participant_id", "kind"),
    MATCH_SUGGESTED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_APPROVED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_REJECTED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_INTRODUCED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_WITHDRAWN: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_RESPONDED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    MATCH_ENDED: ("match_id", "kind", "newcomer_id", "counterpart_id"),
    ROUND_REQUESTED: ("round_id",),
    ROUND_COMPLETED: ("round_id",),
    NOTIFICATION_REQUESTED: ("notification",),
}
EVENT_TYPES = frozenset(REQUIRED_FIELDS)


class MalformedEvent(ValueError):
    """The message cannot be understood; it goes to the dead-letter queue, not into a loop."""


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    data: dict[str, Any]
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    version: int = VERSION

    def to_json(self) -> bytes:
        return envelope_json(self.id, self.type, self.occurred_at, json.dumps(self.data, separators=(",", ":")),
                             self.version)


def envelope_json(event_id: uuid.UUID, event_type: str, occurred_at: datetime, data_json: str,
                  version: int = VERSION) -> bytes:
    """An event's message body around ``data`` already in JSON: the outbox relay passes the
    stored payload through as PostgreSQL prints it, without decoding and encoding it again."""
    return (f'{{"id":"{event_id}","type":{json.dumps(event_type)},"occurred_at":"{occurred_at.isoformat()}",'
            f'"version":{version},"data":{data_json}}}').encode()


def _check_data(event_type: str, data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedEvent("data must be an object")
    for name in REQUIRED_FIELDS[event_type]:
        if name not in data:
            raise MalformedEvent(f"data.{name} is missing")
    for name, value in data.items():
        if name.endswith("_id") and value is not None:
            try:
                uuid.UUID(str(value))
            except ValueError:
                raise MalformedEvent(f"data.{name} is not a UUID") from None
    return data


def new_event(event_type: str, **data: Any) -> Event:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    clean = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in data.items()}
    return Event(type=event_type, data=_check_data(event_type, clean))


def parse_event(body: bytes) -> Event:
    """Decode and check an envelope; raises :class:`MalformedEvent` with the reason."""
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEvent(f"body is not JSON: {exc}") from None
    except RecursionError:  # nesting deeper than the decoder's stack: hostile or broken, never ours
        raise MalformedEvent("body is not JSON: nested too deeply") from None
    if not isinstance(raw, dict):
        raise MalformedEvent("envelope must be an object")
    event_type = raw.get("type")
    if event_type not in EVENT_TYPES:
        raise MalformedEvent(f"unknown event type {event_type!r}")
    if raw.get("version") != VERSION:
        raise MalformedEvent(f"unsupported version {raw.get('version')!r}")
    try:
        event_id = uuid.UUID(str(raw.get("id")))
        occurred_at = datetime.fromisoformat(str(raw.get("occurred_at")))
    except ValueError as exc:
        raise MalformedEvent(f"bad id or occurred_at: {exc}") from None
    return Event(
        type=event_type,
        data=_check_data(event_type, raw.get("data")),
        id=event_id,
        occurred_at=occurred_at,
    )
