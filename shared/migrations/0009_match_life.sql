-- The life of a match after approval: when each step happened, each side's answer, the
-- check-in, and whether a coordinator must look at it (no reaction after one reminder).
ALTER TABLE matches
    ADD COLUMN introduced_at   timestamptz,
    ADD COLUMN active_at       timestamptz,
    ADD COLUMN ended_at        timestamptz,
    ADD COLUMN reminded_at     timestamptz,
    ADD COLUMN flagged_at      timestamptz,
    ADD COLUMN flag_reason     text,
    ADD COLUMN checkin_sent_at timestamptz,
    ADD COLUMN requested_again_of uuid;

-- Each side's answer to an introduction (accept/decline through the signed link in the email).
CREATE TABLE match_responses (
    match_id       uuid NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    participant_id uuid NOT NULL,
    side           text NOT NULL CHECK (side IN ('newcomer', 'counterpart')),
    answer         text NOT NULL CHECK (answer IN ('accept', 'decline')),
    reason         text,
    responded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (match_id, side)
);

-- "How is it going?" a few weeks into an active match.
CREATE TABLE checkins (
    match_id       uuid NOT NULL REFERENCES matches (id) ON DELETE CASCADE,
    participant_id uuid NOT NULL,
    side           text NOT NULL CHECK (side IN ('newcomer', 'counterpart')),
    answer         text NOT NULL CHECK (answer IN ('good', 'unsure', 'bad')),
    comment        text,
    answered_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (match_id, side)
);
CREATE INDEX matches_flagged ON matches (flagged_at) WHERE flagged_at IS NOT NULL;
