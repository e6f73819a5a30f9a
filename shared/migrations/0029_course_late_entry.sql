-- Late entry (docs/decisions.md, "Late-entry courses"): many integration and job-related German
-- courses take newcomers after their start. late_entry_weeks is how many weeks after starts_on a
-- newcomer may still join; NULL means nobody joins after the start (every course so far). The
-- course stays open for entry up to and including starts_on + 7 * late_entry_weeks days
-- (lotse.shared.matches_db.course_started).
ALTER TABLE courses ADD COLUMN IF NOT EXISTS late_entry_weeks smallint
    CHECK (late_entry_weeks BETWEEN 1 AND 52);
