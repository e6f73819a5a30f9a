-- Why a match stopped, as data: readers (the notifier's emails, the dashboard's history, erasure)
-- read these instead of parsing the English in `reason`, which stays as it was for the API.
-- end_reason: 'declined', 'rematch_requested', 'participant_erased', 'coordinator' (ended on the
-- dashboard or API; the coordinator's words stay in `reason`), a withdrawal's code ('stale',
-- 'course_closed', …) or a rejection's code ('not_a_good_fit', …; the note stays in `reason`).
-- ended_by_side: the side whose step ended it (a decline, a re-match request, an erasure).
ALTER TABLE matches
    ADD COLUMN IF NOT EXISTS end_reason    text,
    ADD COLUMN IF NOT EXISTS ended_by_side text CHECK (ended_by_side IN ('newcomer', 'counterpart'));

-- Matches that ended before: from the sentences intake wrote then. An erasure's side was not
-- stored, so it stays unknown; a reason already cleared (retention) leaves nothing to go on.
UPDATE matches SET
    end_reason = CASE
        WHEN reason ~ '^declined by (newcomer|counterpart)$' THEN 'declined'
        WHEN reason ~ '^re-match requested by (newcomer|counterpart)$' THEN 'rematch_requested'
        WHEN reason = 'participant erased' THEN 'participant_erased'
        WHEN status = 'withdrawn' THEN reason
        WHEN status = 'rejected' THEN split_part(reason, ': ', 1)
        WHEN status IN ('completed', 'cancelled') THEN 'coordinator' END,
    ended_by_side = substring(reason FROM '^(?:declined by|re-match requested by) (newcomer|counterpart)$')
WHERE end_reason IS NULL AND reason IS NOT NULL;
