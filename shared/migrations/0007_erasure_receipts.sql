-- The one thing kept after an erasure, and only until the confirmation is sent: where to send
-- it. Written by intake in the erasure transaction, read and deleted by the notifier (a
-- retention job removes any receipt older than a week, sent or not).
CREATE TABLE erasure_receipts (
    participant_id uuid PRIMARY KEY,
    email          text NOT NULL,
    name           text,
    locale         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
