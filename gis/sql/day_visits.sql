-- A jurisdiction's check-ins of a day: who, when (NULL when not known), small or big, the note,
-- and the building with a point on it.
SELECT v.worker, v.id, v.at, v.kind, v.note, b.id, b.name,
       ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom))
FROM visit v JOIN building b ON b.id = v.building_id
WHERE v.jurisdiction_id = %(jurisdiction_id)s AND v.day = %(day)s
ORDER BY v.worker, v.at NULLS LAST, v.id;
