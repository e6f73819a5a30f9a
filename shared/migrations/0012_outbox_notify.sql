-- Wake the outbox relays from the database itself: one round trip less for every change that
-- writes an event. Notifications are sent at commit and not at all on rollback; duplicates
-- within one transaction are folded into one by PostgreSQL.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lotse_outbox', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
