-- 0007: changes held for HQ (docs/sync-protocol.md, "Held changes"). A change about a case
-- number another site holds is acknowledged to its device like any other but kept here whole,
-- unapplied and sent to no one, until HQ gives the number to a site or drops the changes.
CREATE TABLE held_change (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id   TEXT    NOT NULL REFERENCES device (id),
    -- The site the change was made for, and the case number it is held under.
    site        TEXT    NOT NULL,
    case_no     TEXT    NOT NULL,
    -- The change's own record: 'case', 'individual' or 'event', and its number or id.
    scope       TEXT    NOT NULL,
    entity      TEXT    NOT NULL,
    -- The change as the device sent it (JSON): it may hold personal data, never printed.
    change_json TEXT    NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE INDEX held_change_by_case ON held_change (case_no, site);
CREATE INDEX held_change_by_entity ON held_change (entity);

-- What HQ did with held changes (`waypoint-server admin held give|drop`), never forgotten.
CREATE TABLE held_settlement (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    action     TEXT    NOT NULL CHECK (action IN ('give', 'drop')),
    case_no    TEXT    NOT NULL,
    site       TEXT    NOT NULL,
    -- give: the site the case was taken from, if it was elsewhere.
    from_site  TEXT,
    changes    INTEGER NOT NULL,
    applied    INTEGER NOT NULL,
    still_held INTEGER NOT NULL
);
