-- 0004: the tamper-evident audit trail (see ARCHITECTURE.md, "Audit trail").

-- Who did what, in the order it was done: every change, every event, every sign-in and every
-- view of a need-to-know field. Names records and fields, never their values.
-- hash = SHA-256 over the entry's fields and prev_hash (waypoint_store::audit), so each entry
-- commits to everything before it. seq counts from 1 without gaps.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,  -- UTC, RFC 3339 with milliseconds
    staff     TEXT NOT NULL,  -- the person signed in, or 'device:<id>' before sign-in exists
    action    TEXT NOT NULL,  -- create, change, event, view_sensitive, sign_in, import, export
    scope     TEXT,           -- case, individual, event
    entity    TEXT,           -- case number, individual number or event id
    field     TEXT,           -- the field's name (never its value)
    detail    TEXT,           -- counts and digests of a batch (import, export); never a value
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_is_never_edited BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is never edited');
END;
CREATE TRIGGER audit_log_is_never_shortened BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is never shortened');
END;

-- The last entry written (seq 0 and the all-zero hash: none yet), updated in the transaction
-- that appends: without it, removing the newest entries would leave a chain that looks whole.
-- pushed_seq: how far the server has the log (for sync).
CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    pushed_seq INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
