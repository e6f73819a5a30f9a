-- Whether a coordinator gets the digest e-mail (review 12, F10): it went to every active coordinator
-- with no way to turn it off, hourly while any flagged match waited. Set on the dashboard's
-- "E-mail overview" page (/dashboard/account/digest); everyone keeps getting it until they choose.
ALTER TABLE coordinators ADD COLUMN IF NOT EXISTS digest boolean NOT NULL DEFAULT true;
