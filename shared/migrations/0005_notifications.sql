-- One row per logical notification (owned by notifier). The rendered personal text is not
-- kept: template, locale and status are enough to show coordinators what went out.
CREATE TABLE notifications (
    id             uuid PRIMARY KEY,
    dedupe_key     text NOT NULL UNIQUE,
    type           text NOT NULL,
    event_id       uuid NOT NULL,
    participant_id uuid,
    coordinator_id uuid,
    locale         text NOT NULL,
    status         text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts       integer NOT NULL DEFAULT 0,
    last_error     text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    sent_at        timestamptz
);
CREATE INDEX notifications_participant ON notifications (participant_id);
