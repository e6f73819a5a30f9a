-- The dashboard's matches list newest first (review 9b, F4): a year holds hundreds of thousands of
-- matches, most of them withdrawn or rejected suggestions, and the list sorted them all, whole rows,
-- for every page. Read backwards, this index gives (created_at DESC, id DESC) in order; status,
-- kind and flagged_at ride along so the list's filters and its count need no row of the table
-- (matches_status_created serves a chosen status, matches_flagged the flagged rows shown first).
CREATE INDEX IF NOT EXISTS matches_listed ON matches (created_at, id) INCLUDE (status, kind, flagged_at);
