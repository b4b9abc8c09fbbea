-- The street nodes of a jurisdiction, in its metric CRS.
SELECT n.id, ST_X(p.geom), ST_Y(p.geom)
FROM street_node n
JOIN jurisdiction j ON j.id = n.jurisdiction_id
CROSS JOIN LATERAL (SELECT ST_Transform(n.geom, j.metric_srid) AS geom) p
WHERE n.jurisdiction_id = %(jurisdiction_id)s
ORDER BY n.id;
