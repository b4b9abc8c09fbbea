-- When a walk began and ended, and when a check-in was made: the leader's view of a worker's day
-- puts them in order, and a 5 km walk done in 6 minutes shows itself. A phone's records carry their
-- times (each fix, each check-in), a GPX upload its points' when it has them; those kept before
-- have none.
ALTER TABLE patrol_track ADD COLUMN started_at timestamptz, ADD COLUMN ended_at timestamptz,
    ADD CONSTRAINT patrol_track_times CHECK (started_at <= ended_at);
ALTER TABLE visit ADD COLUMN at timestamptz;
