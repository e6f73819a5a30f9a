-- Check-ins become a history: answering again adds a row instead of overwriting the first
-- answer, whose comment may be the only explanation a coordinator gets (docs/decisions.md).
-- The current answer of a side is its latest row.
ALTER TABLE checkins DROP CONSTRAINT checkins_pkey;
ALTER TABLE checkins ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;
CREATE INDEX checkins_by_match ON checkins (match_id, side, answered_at);
