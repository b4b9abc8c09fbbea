-- The courier zones and post stations of a draft against the published ones, matched by layer
-- and name: each one added, removed or changed (its shape, place or capacity), with its area
-- before and after in m² (a station's is 0), its capacity before and after, and how much it moved:
-- a zone's ground gained and lost (m²), a station's distance (m). A shape redrawn by less than
-- the noise parameters (a zone's m², a station's metres) is drawing noise, not a change (a vertex
-- added on an edge was listed as a change of 901 m² → 901 m²).
WITH draft AS (
    SELECT 'courier_zone' AS layer, name, capacity, geom FROM layout_courier_zone WHERE layout_id = %(layout_id)s
    UNION ALL
    SELECT 'post_station', name, capacity, geom FROM layout_post_station WHERE layout_id = %(layout_id)s
), live AS (
    SELECT 'courier_zone' AS layer, name, capacity, geom FROM courier_zone WHERE jurisdiction_id = %(jurisdiction_id)s
    UNION ALL
    SELECT 'post_station', name, capacity, geom FROM post_station WHERE jurisdiction_id = %(jurisdiction_id)s
)
, compared AS (
    SELECT coalesce(d.layer, l.layer) AS layer, coalesce(d.name, l.name) AS name,
           CASE WHEN l.name IS NULL THEN 'added' WHEN d.name IS NULL THEN 'removed' ELSE 'changed' END AS change,
           round(ST_Area(l.geom::geography))::integer AS area_before_m2,
           round(ST_Area(d.geom::geography))::integer AS area_after_m2,
           l.capacity AS capacity_before, d.capacity AS capacity_after,
           CASE WHEN ST_Equals(l.geom, d.geom) THEN 0
                WHEN coalesce(d.layer, l.layer) = 'post_station' THEN ST_Distance(l.geom::geography, d.geom::geography)
                ELSE ST_Area(ST_SymDifference(l.geom, d.geom)::geography) END AS moved
      FROM draft d FULL JOIN live l ON l.layer = d.layer AND l.name = d.name
)
SELECT layer, name, change, area_before_m2, area_after_m2, capacity_before, capacity_after,
       round(moved::numeric, 1)::float8 AS moved
  FROM compared
 WHERE change <> 'changed' OR capacity_before IS DISTINCT FROM capacity_after
       OR moved > CASE layer WHEN 'post_station' THEN %(noise_m)s ELSE %(noise_m2)s END
 ORDER BY 1, 2
