-- When suggestions withdrawn before 0044 were withdrawn (review 9d, D4): the outbox still holds each
-- one's match.withdrawn event with its time, until the first retention pass after this release prunes
-- events older than 30 days. Without it, such a row counts from created_at, and a suggestion open for
-- months and withdrawn yesterday would go in that first pass instead of 90 days later. Only rows
-- without a time; a match withdrawn more than once keeps the latest.
UPDATE matches m SET withdrawn_at = w.at
FROM (SELECT (payload->>'match_id')::uuid AS match_id, max(occurred_at) AS at
      FROM outbox
      WHERE type = 'match.withdrawn'
        AND payload->>'match_id' ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
      GROUP BY 1) w
WHERE m.id = w.match_id AND m.status = 'withdrawn' AND m.withdrawn_at IS NULL;
