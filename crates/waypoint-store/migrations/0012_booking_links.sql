-- 0012: which bookings ever named a booking they replace or an ABN number.
--
-- Both live inside a booking event's list of changes, where no index reaches; without this
-- table, "is this booking replaced?" and "which bookings are on this ABN?" read every booking.
-- A trigger fills it for every booking event however it arrives (written here or pulled), in
-- the transaction that stores the event. A row says the value was set once: readers check the
-- booking's current value, so a later change of it needs no clean-up here.
CREATE TABLE booking_link (
    field       TEXT NOT NULL,  -- 'replaces' or 'abn'
    value       TEXT NOT NULL,
    booking_ref TEXT NOT NULL,
    PRIMARY KEY (field, value, booking_ref)
) WITHOUT ROWID;

CREATE TRIGGER booking_link_of_event AFTER INSERT ON event
WHEN NEW.kind = 'booking'
BEGIN
    INSERT OR IGNORE INTO booking_link (field, value, booking_ref)
    SELECT json_extract(c.value, '$.field'), json_extract(c.value, '$.value'),
           json_extract(NEW.payload, '$.booking_ref')
    FROM json_each(NEW.payload, '$.changes') AS c
    WHERE json_extract(c.value, '$.field') IN ('replaces', 'abn')
      AND json_type(c.value, '$.value') = 'text';
END;

INSERT OR IGNORE INTO booking_link (field, value, booking_ref)
SELECT json_extract(c.value, '$.field'), json_extract(c.value, '$.value'),
       json_extract(e.payload, '$.booking_ref')
FROM event AS e, json_each(e.payload, '$.changes') AS c
WHERE e.kind = 'booking'
  AND json_extract(c.value, '$.field') IN ('replaces', 'abn')
  AND json_type(c.value, '$.value') = 'text';
