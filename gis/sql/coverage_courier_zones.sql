-- Courier parking and sorting zones: id, name, bays, the polygon in the metric CRS, a point in it.
SELECT id, name, capacity, ST_AsBinary(ST_Transform(geom, %(srid)s)),
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM courier_zone
WHERE jurisdiction_id = %(jurisdiction_id)s
ORDER BY id;
