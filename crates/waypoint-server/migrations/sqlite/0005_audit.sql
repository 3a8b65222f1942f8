-- Every device's audit log (issue 6), as the device wrote it and pushed it: one hash chain per
-- device, append-only. The server checks each pushed entry against the chain before storing
-- it (a device that rewrote an entry the server holds is refused), and its own
-- `admin audit verify` re-checks every chain, so an entry rewritten on a laptop is caught here.
CREATE TABLE audit_entry (
    device_id TEXT    NOT NULL REFERENCES device (id),
    seq       INTEGER    NOT NULL,
    at        TEXT    NOT NULL,
    staff     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    scope     TEXT,
    entity    TEXT,
    field     TEXT,
    detail    TEXT,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL,
    received_ms INTEGER  NOT NULL,
    PRIMARY KEY (device_id, seq)
);
