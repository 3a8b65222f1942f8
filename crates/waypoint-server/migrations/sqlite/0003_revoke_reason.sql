-- 0003: why a device was revoked (issue 6, revocation and wipe).
--
-- 'lost': every request of the device is refused (401, saying so) and the device wipes itself
-- at once. 'retired': the device may still push its pending changes to POST /v1/sync (it is
-- sent nothing), then wipes itself; every other request is refused.
-- Devices revoked before this migration had no reason; they count as lost, the reading that
-- leaves no data on a device HQ no longer trusts.
ALTER TABLE device ADD COLUMN revoked_reason TEXT
    CHECK (revoked_reason IS NULL OR revoked_reason IN ('lost', 'retired'));
UPDATE device SET revoked_reason = 'lost' WHERE revoked_ms IS NOT NULL;
