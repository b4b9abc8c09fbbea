-- The buildings of the given kinds in an area (area: WKB in EPSG:4326, NULL for the whole
-- jurisdiction), with a point inside each: the waypoints of a patrol route.
SELECT b.id, coalesce(b.name, b.kind || ' ' || b.id), b.kind,
       ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom))
FROM building b
WHERE b.jurisdiction_id = %(jurisdiction_id)s
  AND b.kind = ANY (%(kinds)s::text[])
  AND (%(area)s::bytea IS NULL OR ST_Intersects(b.geom, ST_GeomFromWKB(%(area)s::bytea, 4326)))
ORDER BY b.id;
