-- Headline figures of one jurisdiction (the slug given): area in its metric CRS, households and
-- residents summed over buildings, and feature counts per layer.
SELECT j.slug,
       j.name,
       ST_Area(ST_Transform(j.geom, j.metric_srid)) / 1e6 AS area_km2,
       (SELECT coalesce(sum(households), 0) FROM building WHERE jurisdiction_id = j.id) AS households,
       (SELECT coalesce(sum(residents), 0) FROM building WHERE jurisdiction_id = j.id) AS residents,
       (SELECT count(*) FROM compound WHERE jurisdiction_id = j.id) AS compound,
       (SELECT count(*) FROM grid WHERE jurisdiction_id = j.id) AS grid,
       (SELECT count(*) FROM building WHERE jurisdiction_id = j.id) AS building,
       (SELECT count(*) FROM courier_zone WHERE jurisdiction_id = j.id) AS courier_zone,
       (SELECT count(*) FROM post_station WHERE jurisdiction_id = j.id) AS post_station,
       (SELECT count(*) FROM street_edge WHERE jurisdiction_id = j.id) AS street_edge,
       (SELECT count(*) FROM candidate_site WHERE jurisdiction_id = j.id) AS candidate_site,
       (SELECT count(*) FROM building WHERE jurisdiction_id = j.id AND households_estimated)
           AS buildings_estimated
  FROM jurisdiction j
 WHERE j.slug = %(slug)s
