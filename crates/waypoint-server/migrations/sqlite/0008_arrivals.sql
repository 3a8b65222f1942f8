-- 0008: the port-of-entry scope (docs/sync-protocol.md, "Port-of-entry scope").
--
-- A site with an airport is a port of entry: its devices also receive the travellers booked to
-- arrive there, decided by bookings, until a set time after they land.
CREATE TABLE site_airport (
    site    TEXT PRIMARY KEY REFERENCES site (code),
    airport TEXT NOT NULL
);
CREATE INDEX site_airport_by_airport ON site_airport (airport);

-- Whom each stored event concerns (`FieldEvent::concerns`): about = 'case' (the whole case,
-- value its number), 'individual', 'booking', or 'replaces' (a booking event saying its
-- booking replaces the booking `value`). Written with the event; an event of a kind the
-- server does not know has none, so a port of entry never receives it. Events stored before
-- this migration have none either: they reach the departure site only.
CREATE TABLE event_about (
    event_id TEXT NOT NULL,
    about    TEXT NOT NULL CHECK (about IN ('case', 'individual', 'booking', 'replaces')),
    value    TEXT NOT NULL,
    PRIMARY KEY (event_id, about, value)
);
CREATE INDEX event_about_by_value ON event_about (about, value);

-- Travellers arriving now: each traveller of each current booking at its last segment's
-- airport. Only arrivals still received are kept: one is deleted when it ends (the retention
-- after landing passed, the traveller left the booking, the booking was cancelled or replaced).
CREATE TABLE arrival (
    booking_ref   TEXT    NOT NULL,
    individual_no TEXT    NOT NULL,
    case_no       TEXT    NOT NULL,
    airport       TEXT    NOT NULL,
    arrives_ms    INTEGER NOT NULL,
    PRIMARY KEY (booking_ref, individual_no)
);
CREATE INDEX arrival_by_airport ON arrival (airport, case_no);
CREATE INDEX arrival_by_case ON arrival (case_no);
CREATE INDEX arrival_by_time ON arrival (arrives_ms);

-- Someone of this case stopped arriving at this airport: its devices remove the case (what
-- still arrives of it is sent again after this number).
CREATE TABLE arrival_removal (
    server_seq INTEGER PRIMARY KEY,
    airport    TEXT NOT NULL,
    case_no    TEXT NOT NULL
);
CREATE INDEX arrival_removal_by_airport ON arrival_removal (airport, server_seq);
