-- 0011: bookings, acknowledgements of their warnings and ABN versions are field events
-- (kinds booking, warning_acknowledgement, abn_version). These indexes find the events of one
-- booking or one ABN without reading every event; events pulled from other laptops are indexed
-- alike, since the index reads the payload itself.
CREATE INDEX event_by_booking ON event (json_extract(payload, '$.booking_ref'))
    WHERE kind = 'booking';
CREATE INDEX acknowledgement_by_booking ON event (json_extract(payload, '$.booking_ref'))
    WHERE kind = 'warning_acknowledgement';
CREATE INDEX abn_version_by_abn ON event (json_extract(payload, '$.abn_no'))
    WHERE kind = 'abn_version';
