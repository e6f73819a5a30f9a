-- Why a dashboard session ended early, for the login page of the browser that held it (review 8e,
-- finding 9): after a password change the other browser reads "Your password was changed" rather
-- than "Your session has expired". Only the session secret's hash (as auth_sessions) and a reason
-- code; rows older than a cookie's lifetime are purged at the next such write
-- (lotse.intake.accounts.end_sessions_because).
CREATE TABLE IF NOT EXISTS session_ends (
    token_hash bytea PRIMARY KEY,
    reason     text NOT NULL CHECK (reason IN ('password_changed')),
    ended_at   timestamptz NOT NULL DEFAULT now()
);
