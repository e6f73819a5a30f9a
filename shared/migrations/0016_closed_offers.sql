-- A provider closes a course, an employer a position, from the manage page: the row stays
-- (matches point at it, and running ones continue), but nothing new is suggested for it.
ALTER TABLE courses ADD COLUMN closed_at timestamptz;
ALTER TABLE positions ADD COLUMN closed_at timestamptz;
