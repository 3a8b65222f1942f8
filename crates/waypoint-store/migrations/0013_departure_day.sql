-- 0013: departure day. Transport manifests and the head count at boarding are field events
-- (kinds manifest and boarding; items handed out are items_handed, found by case). These
-- indexes find the events of one manifest without reading every event, so that ticking a
-- traveller at the bus door reads only that manifest; pulled events are indexed alike, since
-- the index reads the payload itself.
CREATE INDEX manifest_event_by_manifest ON event (json_extract(payload, '$.manifest_id'))
    WHERE kind = 'manifest';
CREATE INDEX boarding_by_manifest ON event (json_extract(payload, '$.manifest_id'))
    WHERE kind = 'boarding';
