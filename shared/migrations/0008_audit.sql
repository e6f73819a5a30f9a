-- Every coordinator action: who, what, when, before → after. Append-only: the database itself
-- refuses UPDATE and DELETE, so no code path (or bug) can rewrite history. Entries hold ids,
-- states and reason codes, never names or addresses, so an erasure leaves them intact.
CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    at           timestamptz NOT NULL DEFAULT now(),
    actor_id     uuid,
    actor_role   text,
    action       text NOT NULL,
    subject_type text NOT NULL,
    subject_id   uuid,
    before       jsonb,
    after        jsonb,
    detail       text
);
CREATE INDEX audit_log_subject ON audit_log (subject_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
