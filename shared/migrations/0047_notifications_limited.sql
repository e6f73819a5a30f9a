-- Which notifications the per-recipient limit applies to (services/notifier/recipient_limit.py): those
-- someone asked for through notification.requested (a repeated registration, /new-link, an address
-- typed on a manage page). The claim counted each limited type's earlier rows for every row of that
-- type, also for the first verification email of every registration, which is never held back: a
-- sixth of the notifier's throughput from a backlog (issue 8's benchmark). Rows from before this
-- migration count as not limited.
ALTER TABLE notifications ADD COLUMN IF NOT EXISTS limited boolean NOT NULL DEFAULT false;
