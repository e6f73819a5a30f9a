-- When a suggestion was withdrawn (review 9b, F12): the retention pass deletes withdrawn suggestions
-- some time after their withdrawal (lotse.intake.retention.WITHDRAWN_DAYS), and a suggestion can sit
-- open for months before an approval makes it stale, so created_at is not the age that counts.
-- Set by the database on every path that withdraws (the matcher, intake's decisions and offer
-- changes, erasure), so no writer can forget it; rows withdrawn before this migration have none
-- and count from created_at. Read only by retention.
ALTER TABLE matches ADD COLUMN IF NOT EXISTS withdrawn_at timestamptz;

CREATE OR REPLACE FUNCTION matches_withdrawn_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.withdrawn_at := now();
    RETURN NEW;
END
$$;
DROP TRIGGER IF EXISTS matches_withdrawn_at ON matches;
CREATE TRIGGER matches_withdrawn_at BEFORE UPDATE OF status ON matches FOR EACH ROW
    WHEN (NEW.status = 'withdrawn' AND OLD.status IS DISTINCT FROM 'withdrawn')
    EXECUTE FUNCTION matches_withdrawn_at();
