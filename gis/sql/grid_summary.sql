-- One grid and what is in it: buildings (by the derived grid_id), stations and zones (by place),
-- the workers attached to it.
SELECT g.id, g.name, g.leader, ST_AsGeoJSON(g.geom, 7), ST_Area(g.geom::geography),
       (SELECT count(*) FROM building b WHERE b.grid_id = g.id),
       (SELECT coalesce(sum(b.households), 0) FROM building b WHERE b.grid_id = g.id),
       (SELECT coalesce(sum(b.residents), 0) FROM building b WHERE b.grid_id = g.id),
       (SELECT count(*) FROM post_station p WHERE p.jurisdiction_id = g.jurisdiction_id
          AND ST_Intersects(p.geom, g.geom)),
       (SELECT count(*) FROM courier_zone z WHERE z.jurisdiction_id = g.jurisdiction_id
          AND ST_Intersects(ST_PointOnSurface(z.geom), g.geom)),
       (SELECT json_agg(json_build_object('name', w.name, 'role', w.role) ORDER BY w.name)
          FROM worker w WHERE w.grid_id = g.id)
FROM grid g
WHERE g.jurisdiction_id = %(jurisdiction_id)s AND g.code = %(code)s;
