-- 0002: what sync needs on the device.

-- Where this device syncs, its credential, how far it has pulled, and how the last sync went.
CREATE TABLE sync_state (
    id               INTEGER PRIMARY KEY CHECK (id = 1),
    server_url       TEXT,
    server_device_id TEXT,
    device_name      TEXT,
    token            TEXT,
    cursor           INTEGER NOT NULL DEFAULT 0,
    last_success     TEXT,
    last_attempt     TEXT,
    last_error       TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Changes the server refused (another site's case, ...): kept, with the reason, for a person.
CREATE TABLE refused_change (
    client_seq INTEGER PRIMARY KEY,
    scope      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    field      TEXT,
    value      TEXT,
    reason     TEXT NOT NULL,
    refused_at TEXT NOT NULL
);

-- Concurrent edits of a sensitive field, until a person resolves them.
CREATE TABLE conflict (
    id       TEXT PRIMARY KEY,
    scope    TEXT NOT NULL,
    entity   TEXT NOT NULL,
    case_no  TEXT NOT NULL,
    field    TEXT NOT NULL,
    winner   TEXT,
    loser    TEXT,
    -- The devices whose values these were (device names, never people's names).
    winner_device TEXT NOT NULL DEFAULT '',
    loser_device  TEXT NOT NULL DEFAULT '',
    resolved INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- A field change that settles a conflict names it.
ALTER TABLE outbox ADD COLUMN resolves TEXT;

-- Applying a pulled field asks whether this device still has a change of it to push: without
-- this index that question scans the whole outbox once per pulled value.
CREATE INDEX outbox_field_changes ON outbox (scope, entity, field) WHERE kind = 'field';
