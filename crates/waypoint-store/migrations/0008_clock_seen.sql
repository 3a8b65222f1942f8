-- 0008: the latest time this device's clock has shown since its last sync (the offline lease).
--
-- The lease is counted against the latest of the clock now and `clock_seen`, so a clock set
-- back does not extend it. The mark holds only for the sync (or enrolment) in
-- `clock_seen_since`: a sync starts it again, so a clock once set forward and corrected does
-- not lock the device for good.
ALTER TABLE sync_state ADD COLUMN clock_seen TEXT;
ALTER TABLE sync_state ADD COLUMN clock_seen_since TEXT;
