"""A limit per recipient on the emails a stranger can have sent to someone (review 9a, finding 1).

A repeated registration, a request on /new-link and an address typed on a manage page each ask for
an email, and intake limits them per client address only: from many machines (or through many
visitors' browsers) one person could be sent any number of them, each greeting them with a name the
stranger typed. So, per participant and per type, at most ``PER_HOUR`` such emails in an hour and
``PER_DAY`` in a day; beyond that the notification is marked skipped with ``REASON`` and never sent.
Intake answers the same either way (it never knows), so nothing tells a stranger about the address.

Counted when a row is picked for sending, against the rows of the same person and type created
before it (in creation order) that were not skipped or failed: the decision depends on earlier rows
only, so loops sending in parallel reach the same one, and the first email of each type (above all,
the first verification email of a registration) is never held back. Windows run back from the row's
own creation, so a backlog sent late is judged as it was requested (a row held back, below, from
the time it was put off to).

A verification link or manage link beyond the limit is the person's only way in (review 9c, F4:
the pages say "we sent you an email"; a stranger's three registrations used up the owner's hour).
So the newest such request is not dropped but held back (``KEEP_NEWEST``, notifications_db.hold_back):
pending again, due when the hour has passed; it goes out then unless a newer request of the same
person and type came meanwhile, which is held back in its place. Older ones stay skipped: only the
newest link counts, and at most one more email goes out per window.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import asyncpg

# The types a stranger can trigger for someone else's address: the verification email (sent again
# on a repeated registration and on /new-link while unconfirmed), "you are already registered",
# a new manage link, and the confirmation link to an address typed on a manage page.
LIMITED: Final = frozenset({"verification", "already_registered", "manage_link", "email_change_confirm"})
# The types whose newest request is held back rather than skipped: they carry the link in.
KEEP_NEWEST: Final = frozenset({"verification", "manage_link"})
PER_HOUR: Final = 3
PER_DAY: Final = 10
HOUR: Final = timedelta(hours=1)
DAY: Final = timedelta(days=1)
REASON: Final = f"limit per recipient: {PER_HOUR} of this kind an hour, {PER_DAY} a day"

# SQL: whether the claimed row ``c`` is one too many for its recipient; part of the claim's own
# statement (notifications_db.claim_due), so a verification email, the commonest, costs no round
# trip of its own. Parameters from ``$first``: PER_HOUR, PER_DAY, HOUR, DAY (PARAMETERS).
def over_limit_sql(first: int) -> str:
    hour_cap, day_cap, hour, day = (f"${first + i}" for i in range(4))
    # From the row's creation, or from the time it was held back to (never earlier than created).
    since = "greatest(c.created_at, c.next_attempt_at)"
    # Only rows someone asked for (notifications.limited, set for the LIMITED types alone by the
    # consumer): the first verification email of a registration, most of all emails, is never held
    # back and needs no count.
    return f"""(c.limited AND c.participant_id IS NOT NULL AND (
        SELECT count(*) FILTER (WHERE n.created_at > {since} - {hour}::interval) >= {hour_cap}
               OR count(*) >= {day_cap}
        FROM notifications n
        WHERE n.participant_id = c.participant_id AND n.type = c.type AND n.id <> c.id
          AND n.created_at > {since} - {day}::interval AND (n.created_at, n.id) < (c.created_at, c.id)
          AND n.status NOT IN ('skipped', 'failed')))"""


PARAMETERS: Final = (PER_HOUR, PER_DAY, HOUR, DAY)


def over_limit(row: asyncpg.Record) -> bool:
    """Whether the notification ``row``, as claim_due returned it, is one too many for its recipient."""
    return bool(row["over_limit"])
