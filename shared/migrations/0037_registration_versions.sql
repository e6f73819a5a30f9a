-- A registration repeated while the address's first one is still unconfirmed, with data of its own
-- (review 9a, F14): kept here, not over the stored data, and its verification link names it. The
-- click on that link puts this version's data in place of the stored one, then verifies; the
-- other versions are deleted then (any verification deletes them). `registration` is the validated
-- registration (lotse.intake.registration_versions), personal data: erasure deletes the rows, the
-- export lists them, retention deletes them with their pending participant or after the
-- verification link's lifetime.
CREATE TABLE registration_versions (
    id             uuid PRIMARY KEY,
    participant_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    registration   jsonb NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX registration_versions_participant ON registration_versions (participant_id, created_at);
-- The version a verification email is for, as the notification.requested event named it (its link
-- then carries it). NULL: any other notification, or a verification of the stored data. No foreign
-- key, as email_change_id: the version may be gone (verified, erased) before the email is sent.
ALTER TABLE notifications ADD COLUMN registration_version_id uuid;
