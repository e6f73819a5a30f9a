-- The "still going?" check-in of a long-running mentor match (review 8d, finding 1;
-- lotse.intake.lifecycle_jobs.send_checkins_again): when it was last sent, so it is asked once
-- every CHECKIN_AGAIN_EVERY while the match runs. NULL: never asked (every match so far).
ALTER TABLE matches ADD COLUMN IF NOT EXISTS checkin_again_sent_at timestamptz;
