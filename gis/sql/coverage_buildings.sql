-- Every building of a jurisdiction as arrays that line up: id, name, kind, households, grid code,
-- where it meets the street (its entrances, else its footprint; one collection, metric CRS), and
-- a point inside it (lon/lat).
SELECT array_agg(b.id), array_agg(b.name), array_agg(b.kind), array_agg(b.households),
       array_agg(g.code),
       ST_AsBinary(ST_Collect(ST_Transform(COALESCE(b.entrances, b.geom), %(srid)s))),
       array_agg(ST_X(ST_PointOnSurface(b.geom))), array_agg(ST_Y(ST_PointOnSurface(b.geom)))
FROM (SELECT * FROM building WHERE jurisdiction_id = %(jurisdiction_id)s ORDER BY id) b
LEFT JOIN grid g ON g.id = b.grid_id;
