-- 0001: sites, devices, and the synced state (PostgreSQL).
-- server_seq is one global sequence over field values, events, conflicts and removals;
-- server_state.next_seq is the next unused number, updated in the transaction that uses it.
CREATE TABLE server_state (
    id       INT PRIMARY KEY CHECK (id = 1),
    next_seq BIGINT NOT NULL
);
INSERT INTO server_state (id, next_seq) VALUES (1, 1);

CREATE TABLE site (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);

-- Tokens and enrolment codes are stored only as SHA-256 hashes (hex).
CREATE TABLE device (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    enrol_code_hash  TEXT UNIQUE,
    enrol_expires_ms BIGINT,
    token_hash       TEXT UNIQUE,
    enrolled_ms      BIGINT,
    revoked_ms       BIGINT,
    last_client_seq  BIGINT NOT NULL DEFAULT 0,
    created_ms       BIGINT NOT NULL
);

CREATE TABLE device_site (
    device_id TEXT NOT NULL REFERENCES device (id),
    site      TEXT NOT NULL REFERENCES site (code),
    PRIMARY KEY (device_id, site)
);

-- Where each case is now, and which case each individual belongs to.
CREATE TABLE case_site (
    case_no TEXT PRIMARY KEY,
    site    TEXT NOT NULL
);
CREATE INDEX case_site_by_site ON case_site (site);

CREATE TABLE individual (
    individual_no TEXT PRIMARY KEY,
    case_no       TEXT NOT NULL
);

-- The current value of every field, with the sequence number it was last given.
CREATE TABLE field_value (
    scope      TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    case_no    TEXT    NOT NULL,
    value      TEXT,
    server_seq BIGINT NOT NULL UNIQUE,
    hlc        BIGINT NOT NULL,
    device_id  TEXT    NOT NULL,
    PRIMARY KEY (scope, entity, field)
);
CREATE INDEX field_value_by_entity ON field_value (entity);
CREATE INDEX field_value_by_case ON field_value (case_no);

CREATE TABLE event (
    id         TEXT    PRIMARY KEY,
    case_no    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    json       TEXT    NOT NULL,
    server_seq BIGINT NOT NULL UNIQUE,
    device_id  TEXT    NOT NULL
);
CREATE INDEX event_by_case ON event (case_no);

-- id is the sequence number the conflict was created with; server_seq moves on resolution.
CREATE TABLE conflict (
    id            BIGINT PRIMARY KEY,
    scope         TEXT    NOT NULL,
    entity        TEXT    NOT NULL,
    case_no       TEXT    NOT NULL,
    field         TEXT    NOT NULL,
    winner        TEXT,
    loser         TEXT,
    winner_device TEXT    NOT NULL,
    loser_device  TEXT    NOT NULL,
    resolved      BOOLEAN NOT NULL DEFAULT FALSE,
    server_seq    BIGINT NOT NULL UNIQUE
);
CREATE INDEX conflict_by_case ON conflict (case_no);

-- A case left a site: devices of that site remove it.
CREATE TABLE removal (
    server_seq BIGINT PRIMARY KEY,
    case_no    TEXT NOT NULL,
    site       TEXT NOT NULL
);
