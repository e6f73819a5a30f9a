-- A newcomer's and a mentor's check-in may say "we have not been in touch yet" (review 8d,
-- finding 7; lotse.shared.checkin_choices.PERSONAL): 'not_in_touch'. Only a value more is allowed,
-- as 0028 did: every stored answer stays valid.
ALTER TABLE checkins DROP CONSTRAINT IF EXISTS checkins_answer_check;
ALTER TABLE checkins ADD CONSTRAINT checkins_answer_check CHECK (answer IN (
    'good', 'unsure', 'bad', 'not_in_touch', 'hired', 'talking', 'not_hired', 'attending', 'stopped',
    'not_started'));
