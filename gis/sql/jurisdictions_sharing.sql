-- The other jurisdictions a jurisdiction shares a community code or ground with (more than a
-- square metre: neighbours share their edges): their slug and name, whether the code is the same,
-- and the ground in both, in m².
WITH me AS (SELECT id, admin_code, geom FROM jurisdiction WHERE id = %(jurisdiction_id)s)
SELECT o.slug, o.name, o.admin_code IS NOT DISTINCT FROM me.admin_code AND me.admin_code IS NOT NULL,
       CASE WHEN ST_Intersects(o.geom, me.geom)
            THEN ST_Area(ST_Intersection(o.geom, me.geom)::geography) ELSE 0 END
FROM jurisdiction o, me
WHERE o.id <> me.id
  AND ((o.admin_code = me.admin_code) OR ST_Intersects(o.geom, me.geom))
ORDER BY o.slug;
