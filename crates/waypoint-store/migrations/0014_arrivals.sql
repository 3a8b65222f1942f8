-- 0014: which bookings land where and when, for the port of entry's expected arrivals.
--
-- The segments live inside a booking event's list of changes, where no index reaches; without
-- this table, "who lands at IAD today?" reads every booking. A trigger fills it for every
-- booking event however it arrives (written here or pulled), in the transaction that stores
-- the event, one row per segment: its arrival airport and its arrival instant (RFC 3339, UTC,
-- as the event holds it). A row says the booking once had that segment: readers take the
-- booking's current itinerary, so a later change needs no clean-up here.
CREATE TABLE booking_arrival (
    airport     TEXT NOT NULL,
    arrives     TEXT NOT NULL,
    booking_ref TEXT NOT NULL,
    PRIMARY KEY (airport, arrives, booking_ref)
) WITHOUT ROWID;

CREATE TRIGGER booking_arrival_of_event AFTER INSERT ON event
WHEN NEW.kind = 'booking'
BEGIN
    INSERT OR IGNORE INTO booking_arrival (airport, arrives, booking_ref)
    SELECT json_extract(s.value, '$.to'), json_extract(s.value, '$.arrives'),
           json_extract(NEW.payload, '$.booking_ref')
    FROM json_each(NEW.payload, '$.changes') AS c, json_each(c.value, '$.value') AS s
    WHERE json_extract(c.value, '$.field') = 'segments'
      AND json_type(s.value, '$.to') = 'text'
      AND json_type(s.value, '$.arrives') = 'text';
END;

INSERT OR IGNORE INTO booking_arrival (airport, arrives, booking_ref)
SELECT json_extract(s.value, '$.to'), json_extract(s.value, '$.arrives'),
       json_extract(e.payload, '$.booking_ref')
FROM event AS e, json_each(e.payload, '$.changes') AS c, json_each(c.value, '$.value') AS s
WHERE e.kind = 'booking'
  AND json_extract(c.value, '$.field') = 'segments'
  AND json_type(s.value, '$.to') = 'text'
  AND json_type(s.value, '$.arrives') = 'text';

