-- The walkable streets of a jurisdiction with the pgRouting topology: one row of arrays (and
-- one collection of lines, in lon/lat: the caller projects them) rather than a row per street,
-- which is several times faster to fetch for a city's network. The aggregates of one query see
-- the rows in the same order, so the arrays line up; the caller sorts by id.
SELECT array_agg(id), array_agg(source), array_agg(target), array_agg(length_m), array_agg(name),
       ST_AsBinary(ST_Collect(geom))
FROM street_edge
WHERE jurisdiction_id = %(jurisdiction_id)s;
