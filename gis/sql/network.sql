-- The walkable streets of a jurisdiction, in its metric CRS, with the pgRouting topology, and
-- whether each street lies in the area (the area grown by a margin, so streets along a grid's
-- edge belong to it). %(area)s is WKB in EPSG:4326, or NULL for every street.
SELECT e.id, e.source, e.target, e.length_m, e.name,
       ST_AsBinary(ST_Transform(e.geom, j.metric_srid)) AS geom,
       %(area)s::bytea IS NULL
         OR ST_CoveredBy(ST_Transform(e.geom, j.metric_srid),
                         ST_Buffer(ST_Transform(ST_GeomFromWKB(%(area)s::bytea, 4326), j.metric_srid),
                                   %(margin)s)) AS in_area
FROM street_edge e
JOIN jurisdiction j ON j.id = e.jurisdiction_id
WHERE e.jurisdiction_id = %(jurisdiction_id)s
ORDER BY e.id;
