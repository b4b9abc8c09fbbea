-- What a grid worker's phone records offline and sends later carries the phone's own id for it
-- (client_id, a UUID): sending it again (a retried upload, a second tab, an answer lost on a bad
-- connection) creates nothing more. And a worker's account names the worker record it is, so
-- that schedules, routes, coverage and the field app speak of the same person.
ALTER TABLE patrol_track ADD COLUMN client_id uuid UNIQUE;
-- What recording a track answered (what it walked), given again to a phone that sends it again.
ALTER TABLE patrol_track ADD COLUMN summary jsonb;
ALTER TABLE visit ADD COLUMN client_id uuid UNIQUE;
ALTER TABLE app_user ADD COLUMN worker_id integer REFERENCES worker (id) ON DELETE SET NULL;
