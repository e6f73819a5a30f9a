-- Who set a pause (review 8h, finding 3): the welcome centre, a coordinator on the dashboard, or the
-- person on their manage page. The person is told by email when the centre pauses or resumes them,
-- and their manage page and the pause_ending reminder then say "the welcome centre paused …"
-- instead of "your pause". false: the person's own pause, or not paused. A column, not a look into
-- the audit log at every page and email: it is the pause's state, as paused_until is.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS paused_by_centre boolean NOT NULL DEFAULT false;
-- Pauses set before this column: the latest pause entry in the audit log says who set it.
UPDATE participants p SET paused_by_centre = true
WHERE p.status = 'paused' AND NOT p.paused_by_centre
  AND (SELECT a.action FROM audit_log a
       WHERE a.subject_id = p.id AND a.action IN ('participant.pause', 'participant.pause_own')
       ORDER BY a.at DESC, a.id DESC LIMIT 1) = 'participant.pause';
