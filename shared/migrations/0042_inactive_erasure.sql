-- A storage limit for people who left (review 9b, F8; lotse.intake.inactive): the day the
-- "we will delete your registration on …" email was requested for the current quiet spell, and the
-- day it names. Activity after inactive_noticed_at voids the notice; nothing else writes these.
ALTER TABLE participants ADD COLUMN IF NOT EXISTS inactive_noticed_at timestamptz;
ALTER TABLE participants ADD COLUMN IF NOT EXISTS inactive_erase_on date;
