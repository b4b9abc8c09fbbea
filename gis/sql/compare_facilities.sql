-- The courier zones and post stations of a draft against the published ones, matched by layer
-- and name: each one added, removed or changed (its shape, place or capacity), with its area
-- before and after in m² (a station's is 0) and its capacity before and after.
WITH draft AS (
    SELECT 'courier_zone' AS layer, name, capacity, geom FROM layout_courier_zone WHERE layout_id = %(layout_id)s
    UNION ALL
    SELECT 'post_station', name, capacity, geom FROM layout_post_station WHERE layout_id = %(layout_id)s
), live AS (
    SELECT 'courier_zone' AS layer, name, capacity, geom FROM courier_zone WHERE jurisdiction_id = %(jurisdiction_id)s
    UNION ALL
    SELECT 'post_station', name, capacity, geom FROM post_station WHERE jurisdiction_id = %(jurisdiction_id)s
)
SELECT coalesce(d.layer, l.layer) AS layer, coalesce(d.name, l.name) AS name,
       CASE WHEN l.name IS NULL THEN 'added' WHEN d.name IS NULL THEN 'removed' ELSE 'changed' END AS change,
       round(ST_Area(l.geom::geography))::integer AS area_before_m2,
       round(ST_Area(d.geom::geography))::integer AS area_after_m2,
       l.capacity AS capacity_before, d.capacity AS capacity_after
  FROM draft d FULL JOIN live l ON l.layer = d.layer AND l.name = d.name
 WHERE l.name IS NULL OR d.name IS NULL OR NOT ST_Equals(l.geom, d.geom)
       OR l.capacity IS DISTINCT FROM d.capacity
 ORDER BY 1, 2
