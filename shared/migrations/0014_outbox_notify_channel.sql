-- A service's commit notifies that service's own channel ('lotse_outbox:lotse-intake'), so the
-- other services' processes are not woken just to ignore it (PostgreSQL delivers a notification
-- to every session listening on its channel). Any other session (psql, a migration) notifies the
-- common channel, which every relay also listens on. A relay of an earlier release hears only
-- the common channel; during a rolling upgrade it finds service rows by polling instead.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    writer text := current_setting('application_name');
BEGIN
    -- A channel name is at most 63 bytes; pg_notify fails the commit on a longer one.
    IF writer LIKE 'lotse-%' AND octet_length('lotse_outbox:' || writer) <= 63 THEN
        PERFORM pg_notify('lotse_outbox:' || writer, '');
    ELSE
        PERFORM pg_notify('lotse_outbox', writer);
    END IF;
    RETURN NULL;
END
$$;
