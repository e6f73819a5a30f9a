-- People erased before erasure cleared the details of their matches (lotse.intake.privacy
-- FORGET_DETAILS): the same now. Both sides' words about the match, the explanation's sentences,
-- consents and the answers' exact times go; codes, scores, statuses stay for the statistics.
CREATE TEMPORARY TABLE erased_touched ON COMMIT DROP AS
SELECT m.id FROM matches m
WHERE m.newcomer_id IN (SELECT id FROM participants WHERE status = 'erased')
   OR m.counterpart_id IN (SELECT id FROM participants WHERE status = 'erased'
                           UNION ALL SELECT c.id FROM courses c JOIN participants p ON p.id = c.provider_id
                                     WHERE p.status = 'erased'
                           UNION ALL SELECT s.id FROM positions s JOIN participants p ON p.id = s.employer_id
                                     WHERE p.status = 'erased');

UPDATE match_responses SET reason = NULL, responded_at = date_trunc('month', responded_at)
WHERE match_id IN (SELECT id FROM erased_touched);
UPDATE checkins SET comment = NULL, answered_at = date_trunc('month', answered_at)
WHERE match_id IN (SELECT id FROM erased_touched);
DELETE FROM consents WHERE participant_id IN (SELECT id FROM participants WHERE status = 'erased');
UPDATE matches SET
    explanation = (SELECT coalesce(jsonb_agg(e - 'detail' ORDER BY i), '[]')
                    FROM jsonb_array_elements(explanation) WITH ORDINALITY AS x(e, i)),
    reason = CASE WHEN reason ~ '^[a-z_]+(: |$)' THEN split_part(reason, ': ', 1)
                  WHEN reason ~ '^(declined by|re-match requested by) (newcomer|counterpart)$'
                       OR reason = 'participant erased' THEN reason END
WHERE id IN (SELECT id FROM erased_touched);
