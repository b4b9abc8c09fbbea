-- A jurisdiction's walks of a day, each with its worker, when it began and ended (NULL when not
-- known), its fixes, its length as walked (the recorded lines) and along streets (matched), and its
-- lines as GeoJSON.
SELECT t.worker, t.id, t.started_at, t.ended_at, t.points, t.matched_points,
       ST_Length(t.geom::geography),
       coalesce((SELECT sum(w.walked_m) FROM patrol_walked w WHERE w.track_id = t.id), 0),
       ST_AsGeoJSON(t.geom, 6)
FROM patrol_track t
WHERE t.jurisdiction_id = %(jurisdiction_id)s AND t.day = %(day)s
ORDER BY t.worker, t.started_at NULLS LAST, t.id;
