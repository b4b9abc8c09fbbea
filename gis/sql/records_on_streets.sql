-- What is recorded against a jurisdiction's streets (that deleting them would lose): the walks
-- matched onto them.
SELECT 'walks', count(DISTINCT w.track_id)
FROM patrol_walked w
JOIN street_edge e ON e.id = w.edge_id
WHERE e.jurisdiction_id = %(jurisdiction_id)s;
