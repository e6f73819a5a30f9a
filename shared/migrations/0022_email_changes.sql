-- A participant's own change of e-mail address (manage page): the new address is only used once
-- a link sent to it was opened. A row lives as long as its link (tokens.EMAIL_CHANGE's max age):
-- retention deletes older ones, erasure the person's, so neither address outlives its purpose.
-- `old_email` is where the "a change was requested" notice goes, even if the change is confirmed
-- before the notifier gets to it. One open request per person; a new one replaces it.
CREATE TABLE email_changes (
    id             uuid PRIMARY KEY,
    participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    old_email      text NOT NULL,
    new_email      text NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    outcome        text CHECK (outcome IN ('confirmed', 'cancelled', 'replaced')),
    ended_at       timestamptz
);
CREATE UNIQUE INDEX email_changes_open ON email_changes (participant_id) WHERE outcome IS NULL;
CREATE INDEX email_changes_requested ON email_changes (requested_at);
-- Manage links signed before this moment were sent to the previous address; they no longer open the page.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS email_changed_at timestamptz;
