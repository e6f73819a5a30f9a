-- One row per logical notification (owned by notifier). The rendered personal text is not
-- kept: type, locale and status are enough to show coordinators what went out; the
-- recipient's address is read at send time, so an erased person gets nothing.
CREATE TABLE notifications (
    id              uuid PRIMARY KEY,
    dedupe_key      text NOT NULL UNIQUE,
    type            text NOT NULL,
    event_id        uuid NOT NULL,
    participant_id  uuid,
    coordinator_id  uuid,
    match_id        uuid,
    locale          text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_at      timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE status = 'pending';
CREATE INDEX notifications_sending ON notifications (claimed_at) WHERE status = 'sending';
CREATE INDEX notifications_participant ON notifications (participant_id);
