-- 0006: an enrolment or sign-in is counted as failed *before* its code or PIN is checked
-- (ServerStore::reserve_attempt), so concurrent requests cannot all pass the limit; a
-- successful one takes its rows back by this id (release_attempt). Rows of older servers have
-- none and stay failures.
ALTER TABLE auth_failure ADD COLUMN attempt TEXT;
CREATE INDEX auth_failure_by_attempt ON auth_failure (attempt);
