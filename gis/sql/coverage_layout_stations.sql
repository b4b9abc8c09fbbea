-- A draft's post stations of the given kinds: id, name, capacity (households), point (metric and lon/lat),
-- the building that houses it.
SELECT id, name, capacity, ST_AsBinary(ST_Transform(geom, %(srid)s)), ST_X(geom), ST_Y(geom), building_id
FROM layout_post_station
WHERE layout_id = %(layout_id)s AND kind = ANY (%(kinds)s::text[])
ORDER BY id;
