-- A point on the line between two grids fell in the hair of a gap floating point leaves there (under
-- a centimetre along 华贸中街, where grid 004's straight edge meets the corners of 001–003) and was
-- in no grid: a case reported standing in the street went to no grid worker. The grid a point lies
-- in, else the nearest within the boundary's tolerance (0.5 m); beyond that, none.
CREATE OR REPLACE FUNCTION gridmap_grid_of(jid integer, g geometry) RETURNS integer
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        (SELECT id FROM grid
          WHERE jurisdiction_id = jid AND ST_Intersects(geom, ST_PointOnSurface(g))
          ORDER BY id LIMIT 1),
        (SELECT id FROM grid
          WHERE jurisdiction_id = jid
            AND ST_DWithin(geom::geography, ST_PointOnSurface(g)::geography, gridmap_boundary_tolerance_m())
          ORDER BY ST_Distance(geom::geography, ST_PointOnSurface(g)::geography), id LIMIT 1))
$$;

-- What fell in a gap before gets its grid (the row triggers derive it again, to the same value).
UPDATE building SET grid_id = gridmap_grid_of(jurisdiction_id, geom)
 WHERE grid_id IS NULL AND gridmap_grid_of(jurisdiction_id, geom) IS NOT NULL;
UPDATE case_record SET grid_id = gridmap_grid_of(jurisdiction_id, geom)
 WHERE grid_id IS NULL AND geom IS NOT NULL AND gridmap_grid_of(jurisdiction_id, geom) IS NOT NULL;
