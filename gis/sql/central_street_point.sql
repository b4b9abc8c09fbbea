-- The street point nearest a jurisdiction's centre (a point on its surface): where a patrol starts
-- when the jurisdiction has no office.
WITH centre AS (SELECT ST_PointOnSurface(geom) AS p FROM jurisdiction WHERE id = %(jurisdiction_id)s)
SELECT ST_X(q), ST_Y(q)
FROM (SELECT ST_ClosestPoint(e.geom, c.p) AS q
      FROM street_edge e, centre c
      WHERE e.jurisdiction_id = %(jurisdiction_id)s
      ORDER BY ST_Distance(e.geom::geography, c.p::geography)
      LIMIT 1) nearest
