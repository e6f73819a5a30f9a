-- The change of e-mail address a notification is about (email_changed, email_change_notice), as
-- the notification.requested event named it: read at send time, the newest change would name a
-- later one when two are made before the first notice goes out. NULL: an older event without it,
-- or any other notification; those read the newest change as before. No foreign key: the change
-- may be forgotten (retention, erasure) before the notice is sent, which then has nothing to say.
ALTER TABLE notifications ADD COLUMN email_change_id uuid;
