-- Buildings to visit, in the jurisdiction's metric CRS: their entrances where known, else the
-- footprint (the walk then ends at its nearest point to a street).
SELECT b.id, b.name, b.kind, b.households,
       ST_AsBinary(ST_Transform(COALESCE(b.entrances, b.geom), j.metric_srid)) AS access,
       ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom))
FROM building b
JOIN jurisdiction j ON j.id = b.jurisdiction_id
LEFT JOIN grid g ON g.id = b.grid_id
WHERE b.jurisdiction_id = %(jurisdiction_id)s
  AND (%(ids)s::integer[] IS NULL OR b.id = ANY (%(ids)s::integer[]))
  AND (%(kinds)s::text[] IS NULL OR b.kind = ANY (%(kinds)s::text[]))
  AND (%(grid)s::text IS NULL OR g.code = %(grid)s::text)
ORDER BY b.id;
