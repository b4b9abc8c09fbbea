-- Post stations of the given kinds: id, name, capacity (households), point (metric and lon/lat),
-- the building that houses it.
SELECT id, name, capacity, ST_AsBinary(ST_Transform(geom, %(srid)s)), ST_X(geom), ST_Y(geom), building_id
FROM post_station
WHERE jurisdiction_id = %(jurisdiction_id)s AND kind = ANY (%(kinds)s::text[])
ORDER BY id;
