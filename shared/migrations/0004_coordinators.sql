CREATE TABLE coordinators (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    role          text NOT NULL DEFAULT 'coordinator' CHECK (role IN ('coordinator', 'admin')),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX coordinators_email ON coordinators (lower(email));

-- Bearer tokens and dashboard sessions: only a hash of the secret is stored.
CREATE TABLE auth_sessions (
    token_hash     bytea PRIMARY KEY,
    coordinator_id uuid NOT NULL REFERENCES coordinators (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('bearer', 'cookie')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    last_seen_at   timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL
);
