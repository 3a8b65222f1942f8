-- 0001: cases, individuals, events, the outbox and the device's own bookkeeping.

-- This device: its id, the next outbox sequence number and its hybrid logical clock.
CREATE TABLE device (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    device_id       TEXT    NOT NULL,
    next_client_seq INTEGER NOT NULL,
    hlc             INTEGER NOT NULL
);

-- Profile data. Every value is canonical text (see waypoint_domain::Field::normalize);
-- column names are the case-import CSV's.
CREATE TABLE case_file (
    case_no     TEXT PRIMARY KEY,
    site        TEXT NOT NULL,
    programme   TEXT,
    destination TEXT,
    abn         TEXT
) WITHOUT ROWID;

CREATE TABLE individual (
    id                        INTEGER PRIMARY KEY,
    individual_no             TEXT NOT NULL UNIQUE,
    case_no                   TEXT NOT NULL REFERENCES case_file (case_no),
    relationship              TEXT NOT NULL,
    family_name               TEXT NOT NULL,
    given_names               TEXT NOT NULL,
    family_name_native        TEXT,
    given_names_native        TEXT,
    sex                       TEXT NOT NULL,
    date_of_birth             TEXT NOT NULL,
    nationality               TEXT NOT NULL,
    languages                 TEXT,
    phone                     TEXT,
    document_type             TEXT,
    document_no               TEXT,
    document_issuer           TEXT,
    document_expiry           TEXT,
    ssr_codes                 TEXT,
    special_needs_notes       TEXT,
    vulnerabilities           TEXT,
    exit_permit               TEXT,
    exit_permit_denial_reason TEXT
);
CREATE INDEX individual_by_case ON individual (case_no);

-- Append-only field events (identity checks, counselling, custody transfers).
-- payload is the event's canonical JSON, kept byte for byte as first written.
CREATE TABLE event (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    case_no       TEXT NOT NULL,
    individual_no TEXT,
    at            TEXT NOT NULL,
    payload       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX event_by_case ON event (case_no);
CREATE TRIGGER event_is_never_edited BEFORE UPDATE ON event
BEGIN
    SELECT RAISE(ABORT, 'events are never edited: record a correction as a new event');
END;

-- Every local change, in the order it was made, until the server has it.
-- (The CHECKs use OR, not IN: an IN list builds a temporary b-tree at every insert.)
-- kind 'create': a new case or individual, payload = its fields as a JSON object;
-- kind 'field':  one changed field, value = the new canonical text (NULL = cleared);
-- kind 'event':  a new field event, entity = its id, payload = its JSON.
CREATE TABLE outbox (
    client_seq INTEGER PRIMARY KEY,
    hlc        INTEGER NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind = 'create' OR kind = 'field' OR kind = 'event'),
    scope      TEXT    NOT NULL CHECK (scope = 'case' OR scope = 'individual' OR scope = 'event'),
    entity     TEXT    NOT NULL,
    field      TEXT,
    value      TEXT,
    base_seq   INTEGER NOT NULL DEFAULT 0,
    payload    TEXT
);

-- Fields edited on this device since they were last imported: a re-import keeps these.
CREATE TABLE local_edit (
    scope  TEXT NOT NULL,
    entity TEXT NOT NULL,
    field  TEXT NOT NULL,
    PRIMARY KEY (scope, entity, field)
) WITHOUT ROWID;

-- The server's sequence number of each field as this device last saw it (filled by sync).
CREATE TABLE field_version (
    scope      TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    server_seq INTEGER NOT NULL,
    PRIMARY KEY (scope, entity, field)
) WITHOUT ROWID;
