-- 0010: the data migrations done on this store.
--
-- Some changes of what is stored cannot be made by SQL alone (the record's exit-permit fields
-- become events, with ids from a hash, written through the outbox so that they sync). Each
-- such step runs once, in Rust, at open, and is recorded here by name with when it ran, in
-- the same transaction as what it wrote.
CREATE TABLE data_migration (
    name   TEXT PRIMARY KEY,
    done_at TEXT NOT NULL
);
