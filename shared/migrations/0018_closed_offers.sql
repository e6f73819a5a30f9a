-- (IF NOT EXISTS: it was 0016_closed_offers.sql for an hour of development, beside
-- 0016_checkin_history.sql; databases that applied it under that name skip it here.)
-- A provider closes a course, an employer a position, from the manage page: the row stays
-- (matches point at it, and running ones continue), but nothing new is suggested for it.
ALTER TABLE courses ADD COLUMN IF NOT EXISTS closed_at timestamptz;
ALTER TABLE positions ADD COLUMN IF NOT EXISTS closed_at timestamptz;
