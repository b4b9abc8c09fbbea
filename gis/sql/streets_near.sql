-- The stored streets of a jurisdiction near the lines being imported (a few metres, in degrees):
-- those the new streets may meet, cross or end on (not the street being replaced, if one is).
SELECT id, ST_AsBinary(geom)
FROM street_edge
WHERE jurisdiction_id = %(jurisdiction_id)s
  AND id IS DISTINCT FROM %(replacing)s
  AND ST_DWithin(geom, ST_GeomFromWKB(%(lines)s, 4326), %(degrees)s)
ORDER BY id
FOR UPDATE;
