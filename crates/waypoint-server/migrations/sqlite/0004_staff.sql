-- 0004: staff accounts, each site's policy, device recovery and sign-in credentials, and
-- the failed attempts that rate-limit enrolment and sign-in (issue 6).

-- A staff account. name_key is the name as compared (trimmed, lower case): unique without
-- case. pin_hash is an Argon2id PHC string: the PIN itself is never stored. version counts
-- the account's changes (1 when added, +1 at each change).
CREATE TABLE staff (
    name_key   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    site       TEXT NOT NULL REFERENCES site (code),
    role       TEXT NOT NULL,
    pin_hash   TEXT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0,
    version    INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL,
    changed_ms INTEGER NOT NULL
);
CREATE INDEX staff_by_site ON staff (site);

-- How long a device of the site may stay offline before it locks, and the app's idle lock.
ALTER TABLE site ADD COLUMN lease_days INTEGER NOT NULL DEFAULT 14 CHECK (lease_days > 0);
ALTER TABLE site ADD COLUMN idle_minutes INTEGER NOT NULL DEFAULT 5 CHECK (idle_minutes > 0);

-- Given at enrolment: the SHA-256 of the device's sign-in credential (it may only ask for an
-- online sign-in), and the recovery secret (64 hex digits) handed back after a sign-in.
ALTER TABLE device ADD COLUMN signin_token_hash TEXT;
ALTER TABLE device ADD COLUMN recovery_secret TEXT;
CREATE UNIQUE INDEX device_by_signin_token ON device (signin_token_hash);

-- Failed enrolments and sign-ins of the last minutes: kind ('enrol_peer', 'sign_in_name',
-- 'sign_in_device') and the SHA-256 of what they are counted by. Rows older than the window
-- are deleted as new ones arrive.
CREATE TABLE auth_failure (
    kind  TEXT NOT NULL,
    key   TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
CREATE INDEX auth_failure_by_key ON auth_failure (kind, key, at_ms);
