-- The review queue's newcomers with open suggestions (review 9b, F11): every view of /dashboard
-- aggregates the suggested matches, a fifth to a half of a table that keeps every withdrawn and
-- rejected suggestion with its explanation, and read all of it in a sequential scan. kind and
-- counterpart_id ride along, so the queue's count and order need no row of the table.
CREATE INDEX IF NOT EXISTS matches_suggested ON matches (newcomer_id) INCLUDE (kind, counterpart_id)
    WHERE status = 'suggested';
-- A round's pairs (review 9b, F7): its page counts and pages them, and the queue counts the open
-- ones of the last three rounds on every view; round_id had no index (a scan of matches each).
CREATE INDEX IF NOT EXISTS matches_round ON matches (round_id) INCLUDE (status) WHERE round_id IS NOT NULL;
