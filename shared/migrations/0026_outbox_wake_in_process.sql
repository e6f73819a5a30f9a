-- A session that says its process wakes its own outbox relays (setting lotse.outbox_wake =
-- 'process', see outbox.LocalWake) sends no notification at commit. PostgreSQL serialises the
-- commits of all notifying transactions of the cluster (a lock held through the WAL flush), so
-- a notification per registration made registrations wait on each other's disk writes; under
-- CPU contention commits/s halved. Every other session (psql, a tool, a service of an earlier
-- release) notifies as migration 0014 has it.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    writer text := current_setting('application_name');
BEGIN
    IF current_setting('lotse.outbox_wake', true) = 'process' THEN
        RETURN NULL;
    END IF;
    -- A channel name is at most 63 bytes; pg_notify fails the commit on a longer one.
    IF writer LIKE 'lotse-%' AND octet_length('lotse_outbox:' || writer) <= 63 THEN
        PERFORM pg_notify('lotse_outbox:' || writer, '');
    ELSE
        PERFORM pg_notify('lotse_outbox', writer);
    END IF;
    RETURN NULL;
END
$$;
