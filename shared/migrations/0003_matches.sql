-- Matches: suggestions written by the matcher, decided by coordinators through intake.
-- The state machine lives in one module (lotse.shared.matches); both services go through it.
CREATE TABLE matches (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('mentor', 'language_course', 'employer')),
    newcomer_id     uuid NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    counterpart_id  uuid NOT NULL,
    score           double precision NOT NULL CHECK (score >= 0 AND score <= 1),
    explanation     jsonb NOT NULL DEFAULT '[]',
    status          text NOT NULL DEFAULT 'suggested',
    model_version   text NOT NULL DEFAULT 'prior',
    round_id        uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      uuid,
    note            text,
    reason          text
);
CREATE INDEX matches_status_created ON matches (status, created_at, id);
CREATE INDEX matches_newcomer ON matches (newcomer_id);
CREATE INDEX matches_counterpart ON matches (counterpart_id, status);
-- At most one open suggestion per pair; a rejected pair is never suggested again
-- (the matcher checks every earlier row of the pair).
CREATE UNIQUE INDEX matches_open_pair ON matches (newcomer_id, counterpart_id) WHERE status = 'suggested';
