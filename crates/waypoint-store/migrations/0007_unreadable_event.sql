-- 0007: events this version of Waypoint cannot read yet.
--
-- A newer laptop may record an event of a kind this version does not know, and a faulty or
-- hostile one may send content that does not parse. Such an event is kept here as it was
-- received (never dropped, never blocking the rest of a sync), counted in the status, and read
-- again after an upgrade: then it moves to `event`.
CREATE TABLE unreadable_event (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    case_no     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    server_seq  INTEGER NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX unreadable_event_by_case ON unreadable_event (case_no);
