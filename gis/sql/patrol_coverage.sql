-- Patrol coverage: per grid, the street length and the part of it walked by tracks of the days
-- (%(as_of)s - %(days)s, %(as_of)s]. A street belongs to every grid it lies in, grown by a margin
-- (boundary streets belong to both sides). Walked metres per street: the best single track.
WITH walked AS (
    SELECT w.edge_id, max(w.walked_m) AS walked_m
    FROM patrol_walked w
    JOIN patrol_track t ON t.id = w.track_id
    WHERE t.jurisdiction_id = %(jurisdiction_id)s
      AND t.day > %(as_of)s::date - %(days)s AND t.day <= %(as_of)s::date
    GROUP BY w.edge_id
)
SELECT g.code, g.name, sum(e.length_m) AS street_m,
       sum(least(coalesce(w.walked_m, 0), e.length_m)) AS walked_m
FROM grid g
JOIN jurisdiction j ON j.id = g.jurisdiction_id
JOIN street_edge e ON e.jurisdiction_id = g.jurisdiction_id
 AND ST_CoveredBy(ST_Transform(e.geom, j.metric_srid),
                  ST_Buffer(ST_Transform(g.geom, j.metric_srid), %(margin)s))
LEFT JOIN walked w ON w.edge_id = e.id
WHERE g.jurisdiction_id = %(jurisdiction_id)s
GROUP BY g.id, g.code, g.name
ORDER BY g.code;
