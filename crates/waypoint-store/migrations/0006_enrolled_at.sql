-- 0006: when this device enrolled (issue 6, offline lease).
--
-- A device that has not synced successfully for longer than its site's lease locks until it
-- syncs; for a device that has not synced yet, the time since its enrolment counts instead.
-- Devices enrolled before this migration have no recorded time: theirs counts from the
-- upgrade (the lease is never shortened by it).
ALTER TABLE sync_state ADD COLUMN enrolled_at TEXT;
UPDATE sync_state SET enrolled_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE token IS NOT NULL;
