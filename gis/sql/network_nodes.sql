-- The street nodes of a jurisdiction (lon/lat), as arrays that line up (unsorted).
SELECT array_agg(id), array_agg(ST_X(geom)), array_agg(ST_Y(geom))
FROM street_node
WHERE jurisdiction_id = %(jurisdiction_id)s;
