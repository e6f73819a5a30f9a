-- The language a coordinator chose for the dashboard, so that what Lotse sends them (the digest)
-- comes in it too: the dashboard's cookie alone is not known to the notifier. NULL: never chosen,
-- German as before.
ALTER TABLE coordinators ADD COLUMN locale text;
