-- The notification names the writing session's application (each service sets its own), so a
-- commit wakes only that service's relays instead of every relay of every service.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lotse_outbox', current_setting('application_name'));
    RETURN NULL;
END
$$;
