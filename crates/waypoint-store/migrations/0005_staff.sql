-- 0005: who may work on this device, in which role, and the site's policy (issue 6).

-- The staff directory. On an enrolled device it is the server's list for the device's sites
-- (source 'server', replaced whole at each sync that brings one); on a device that is not
-- enrolled, the people its supervisor added (source 'local'). Never a PIN or a PIN's hash:
-- those stay in keys.json, wrapped.
CREATE TABLE staff (
    name      TEXT PRIMARY KEY COLLATE NOCASE,  -- as the person types it at sign-in
    role      TEXT NOT NULL,                    -- a waypoint_domain::Role code
    site      TEXT,                             -- the site they work at (NULL: every site of the device)
    disabled  INTEGER NOT NULL DEFAULT 0,       -- 1: may no longer sign in on this device
    source    TEXT NOT NULL CHECK (source IN ('server', 'local'))
);

-- The device's site policy: how long it may stay offline before it locks (the lease) and
-- how long the desktop app waits, idle, before it locks. Defaults of issue 6 until the server
-- sends the site's own.
CREATE TABLE site_policy (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    lease_days   INTEGER NOT NULL DEFAULT 14 CHECK (lease_days > 0),
    idle_minutes INTEGER NOT NULL DEFAULT 5 CHECK (idle_minutes > 0)
);
INSERT INTO site_policy (id) VALUES (1);
