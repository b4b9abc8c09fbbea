-- Every street of a jurisdiction with the share of it walked by tracks of the days
-- (as_of - days, as_of] (the best single track), the last day any track walked at
-- least half of it (ever, up to as_of), whether it lies in the jurisdiction, and the grids it
-- belongs to: every grid it lies in, grown by a margin (boundary streets belong to both sides).
-- Its geometry only when geometry is true.
WITH recent AS (
    SELECT w.edge_id, max(w.walked_m) AS walked_m
    FROM patrol_walked w
    JOIN patrol_track t ON t.id = w.track_id
    WHERE t.jurisdiction_id = %(jurisdiction_id)s
      AND t.day > %(as_of)s::date - %(days)s AND t.day <= %(as_of)s::date
    GROUP BY w.edge_id
), last AS (
    SELECT w.edge_id, max(t.day) AS day
    FROM patrol_walked w
    JOIN patrol_track t ON t.id = w.track_id
    JOIN street_edge e ON e.id = w.edge_id
    WHERE t.jurisdiction_id = %(jurisdiction_id)s AND t.day <= %(as_of)s::date
      AND w.walked_m >= 0.5 * e.length_m
    GROUP BY w.edge_id
)
SELECT e.id, e.name, e.length_m, least(coalesce(r.walked_m, 0), e.length_m) / e.length_m AS share,
       l.day, CASE WHEN %(geometry)s THEN ST_AsGeoJSON(e.geom, 7) END,
       ST_CoveredBy(ST_Transform(e.geom, j.metric_srid),
                    ST_Buffer(ST_Transform(j.geom, j.metric_srid), %(margin)s)) AS in_area,
       (SELECT array_agg(g.code ORDER BY g.code) FROM grid g
         WHERE g.jurisdiction_id = e.jurisdiction_id
           AND ST_CoveredBy(ST_Transform(e.geom, j.metric_srid),
                            ST_Buffer(ST_Transform(g.geom, j.metric_srid), %(margin)s))) AS grids
FROM street_edge e
JOIN jurisdiction j ON j.id = e.jurisdiction_id
LEFT JOIN recent r ON r.edge_id = e.id
LEFT JOIN last l ON l.edge_id = e.id
WHERE e.jurisdiction_id = %(jurisdiction_id)s
ORDER BY e.id;
