-- 0009: a change the server refused is kept whole, not only its reason.
--
-- Before, a refused change left the outbox with its place and reason only: the event it
-- recorded (a custody transfer, a counselling session) was gone, and a retired laptop could
-- erase itself over it. Now the row keeps everything the outbox held, until a person
-- dismisses it. Rows refused before this migration keep what they had.
ALTER TABLE refused_change ADD COLUMN kind TEXT;
ALTER TABLE refused_change ADD COLUMN hlc INTEGER;
ALTER TABLE refused_change ADD COLUMN base_seq INTEGER;
ALTER TABLE refused_change ADD COLUMN payload TEXT;
ALTER TABLE refused_change ADD COLUMN resolves TEXT;
