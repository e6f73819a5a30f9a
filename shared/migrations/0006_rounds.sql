-- Global assignment rounds: requested by a coordinator (intake), run by one matcher.
CREATE TABLE rounds (
    id            uuid PRIMARY KEY,
    objective     text NOT NULL CHECK (objective IN ('best_total_score', 'most_matched')),
    status        text NOT NULL DEFAULT 'requested'
                  CHECK (status IN ('requested', 'running', 'completed', 'failed')),
    requested_by  uuid,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    result        jsonb
);

-- Why a verified newcomer has no suggestion of a kind (written by the matcher).
CREATE TABLE waitlist (
    newcomer_id uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    reason_code text NOT NULL,
    reason      text NOT NULL,
    since       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (newcomer_id, kind)
);
