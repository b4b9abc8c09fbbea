-- A tile's or an items page's one round trip: who holds the token (principal.sql, put in below),
-- the jurisdiction ?jurisdiction= names, and the version of the layers there (none named: in the
-- caller's own jurisdiction, or in every one for a caller bound to none), summed as
-- gis.tiles.layer_version and items_version sum it. No row: no valid token. The second column from the end is
-- NULL when the slug names no jurisdiction (the caller answers 404).
WITH who AS ({principal}),
named AS (SELECT id FROM jurisdiction WHERE slug = %s)
SELECT who.*, (SELECT id FROM named), v.version, v.changed
  FROM who,
       LATERAL (SELECT CASE WHEN %s::text IS NULL THEN who.jurisdiction_id ELSE (SELECT id FROM named) END AS jid) r,
       LATERAL (SELECT coalesce(sum(lv.version), 0) AS version,
                       coalesce(extract(epoch FROM max(lv.changed_at)), 0) AS changed
                  FROM layer_version lv
                 WHERE lv.layer = ANY(%s::text[]) AND (r.jid IS NULL OR lv.jurisdiction_id = r.jid)) v;
