-- An employer and a course provider answer the check-in with what became of the match (review 8a,
-- finding 5; lotse.intake.checkin_answers): 'hired', 'talking', 'not_hired' for a job;
-- 'attending', 'stopped', 'not_started' for a course. The newcomer's and a mentor's stay
-- 'good', 'unsure', 'bad'. Only more values are allowed: every stored answer stays valid.
ALTER TABLE checkins DROP CONSTRAINT IF EXISTS checkins_answer_check;
ALTER TABLE checkins ADD CONSTRAINT checkins_answer_check CHECK (answer IN (
    'good', 'unsure', 'bad', 'hired', 'talking', 'not_hired', 'attending', 'stopped', 'not_started'));
