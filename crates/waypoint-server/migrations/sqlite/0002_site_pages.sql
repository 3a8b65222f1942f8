-- 0002: every synced row carries its case's site, indexed with its sequence number.
--
-- A pull reads one site's rows in sequence order straight from (site, server_seq). Before,
-- it walked the global sequence and looked up each row's case: on a server holding a large
-- site, a small site's device read every row of the large one to find its first page.
-- The site of a row always equals its case's site in case_site: rows are written with it, and
-- a case that moves site has all its rows re-sequenced and re-labelled in the same transaction.
ALTER TABLE field_value ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE event ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE conflict ADD COLUMN site TEXT NOT NULL DEFAULT '';
UPDATE field_value SET site = COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = field_value.case_no), '');
UPDATE event SET site = COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = event.case_no), '');
UPDATE conflict SET site = COALESCE((SELECT c.site FROM case_site c WHERE c.case_no = conflict.case_no), '');
CREATE INDEX field_value_by_site ON field_value (site, server_seq);
CREATE INDEX event_by_site ON event (site, server_seq);
CREATE INDEX conflict_by_site ON conflict (site, server_seq);
CREATE INDEX removal_by_site ON removal (site, server_seq);
