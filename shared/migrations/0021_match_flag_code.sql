-- Why a match is flagged, as data: intake writes a code (lotse.shared.matches.FLAGS), the
-- dashboard and the notifier's digest label it in the reader's language instead of matching the
-- English sentence in `flag_reason`. `flag_reason` keeps only words that are no code: shown as
-- written, never taken for one.
-- flag_code: 'unanswered', 'checkin_bad_newcomer', 'checkin_bad_counterpart', 'connect'.
ALTER TABLE matches ADD COLUMN IF NOT EXISTS flag_code text;

-- Flags set before: the four sentences intake wrote become their codes (the sentence said nothing
-- more); any other text stays as it is.
UPDATE matches SET
    flag_code = CASE flag_reason
        WHEN 'no answer after a reminder' THEN 'unanswered'
        WHEN 'check-in: newcomer says it is not a good fit' THEN 'checkin_bad_newcomer'
        WHEN 'check-in: counterpart says it is not a good fit' THEN 'checkin_bad_counterpart'
        WHEN 'contact details not shared: please put them in touch' THEN 'connect' END,
    flag_reason = NULL
WHERE flag_code IS NULL AND flag_reason IN (
    'no answer after a reminder',
    'check-in: newcomer says it is not a good fit',
    'check-in: counterpart says it is not a good fit',
    'contact details not shared: please put them in touch');
