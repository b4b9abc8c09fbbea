-- A walk kept: who walked it on which day, its fixes (all, and those matched to a street), its
-- lines, the phone's id for it, and when it began and ended (NULL when unknown).
INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom, client_id, started_at, ended_at)
VALUES (%(jurisdiction_id)s, %(worker)s, %(day)s, %(points)s, %(matched_points)s,
        ST_SetSRID(ST_GeomFromGeoJSON(%(geom)s), 4326), %(client_id)s, %(started_at)s, %(ended_at)s)
RETURNING id;
