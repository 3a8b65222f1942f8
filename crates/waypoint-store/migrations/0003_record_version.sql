-- 0003: one version number per record instead of one per field (sync schema 2).
--
-- A pulled page now carries each record's values together with the highest server sequence
-- number among them, and an edit is pushed with that number as its base: the server treats a
-- field whose sequence number is not above the base as seen. Keeping one row per record
-- instead of ~21 makes applying a first sync of a large site several times cheaper.
CREATE TABLE record_version (
    scope      TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    server_seq INTEGER NOT NULL,
    PRIMARY KEY (scope, entity)
) WITHOUT ROWID;

-- What this device had seen of each record is the newest of its fields' versions.
INSERT INTO record_version (scope, entity, server_seq)
    SELECT scope, entity, max(server_seq) FROM field_version GROUP BY scope, entity;

DROP TABLE field_version;
