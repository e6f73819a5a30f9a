-- A match that left the states where a flag asks for action (lotse.shared.matches.FLAGGABLE:
-- introduced, active) takes its flag along since matches_db._transition does so. Matches that
-- ended while flagged before that kept flagged_at and flag_code, and the dashboard listed them
-- first as needing attention, with nothing on their page to clear them.
UPDATE matches SET flagged_at = NULL, flag_code = NULL, flag_reason = NULL
WHERE status NOT IN ('introduced', 'active')
  AND (flagged_at IS NOT NULL OR flag_code IS NOT NULL OR flag_reason IS NOT NULL);
