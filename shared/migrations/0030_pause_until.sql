-- "Pause until [date]" on the manage page (docs/decisions.md, "Pause until a date"): a volunteer on
-- holiday pauses with an end. paused_until is the day matching resumes (Thuringia's calendar): the
-- intake's lifecycle jobs resume the person on that day, and write the same participant.updated
-- event a manual resume writes. NULL: no end date (until they resume), or not
-- paused. pause_reminded_at: when the "your pause ends soon" email was requested for this pause, so
-- it is requested once; a new pause (or a new date) clears it.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS paused_until date;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS pause_reminded_at timestamptz;
CREATE INDEX IF NOT EXISTS participants_paused_until ON participants (paused_until)
    WHERE status = 'paused' AND paused_until IS NOT NULL;
