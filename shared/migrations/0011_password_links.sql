-- One-time links with which an invited coordinator sets a first password, or sets a new one
-- after an admin reset it. Only a hash of the secret is stored, as for sessions.
CREATE TABLE password_links (
    token_hash     bytea PRIMARY KEY,
    coordinator_id uuid NOT NULL REFERENCES coordinators (id) ON DELETE CASCADE,
    purpose        text NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by     uuid REFERENCES coordinators (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX password_links_coordinator ON password_links (coordinator_id);
