"""Review 9a, finding 1: the per-recipient limit is decided by the row's `limited` mark alone (the
claim no longer checks the type again), so the consumer must mark exactly the emails a stranger can
have sent to someone else's address, and never a registration's own verification email."""

from __future__ import annotations

import uuid

from lotse.notifier.consumer import REQUESTABLE, _direct_requests
from lotse.shared import events
from lotse.shared.events import Event


def _limited(event: Event) -> bool:
    requests = _direct_requests(event)
    assert requests is not None and len(requests) == 1
    return requests[0].limited


def test_only_what_a_stranger_can_ask_for_is_limited() -> None:
    participant = str(uuid.uuid4())
    limited = {kind for kind in REQUESTABLE
               if _limited(Event(events.NOTIFICATION_REQUESTED, {"notification": kind, "participant_id": participant}))}
    assert limited == {"verification", "already_registered", "manage_link", "email_change_confirm"}
    assert not _limited(Event(events.PARTICIPANT_REGISTERED, {"participant_id": participant}))
    assert not _limited(Event(events.PARTICIPANT_VERIFIED, {"participant_id": participant}))
