-- A draft's courier parking and sorting zones: id, name, bays, the polygon in the metric CRS, a point in it.
SELECT id, name, capacity, ST_AsBinary(ST_Transform(geom, %(srid)s)),
       ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
FROM layout_courier_zone
WHERE layout_id = %(layout_id)s
ORDER BY id;
