-- What a draft holds, as one digest: every grid, courier zone and post station of the layout by
-- id and version (each edit bumps the version of what it changed; an added one is a new id, a
-- removed one is gone), so that the draft's ETag changes with any edit of it.
SELECT md5(coalesce(string_agg(kind || ':' || id || ':' || version, ',' ORDER BY kind, id), ''))
  FROM (SELECT 'g' AS kind, id, version FROM layout_grid WHERE layout_id = %(layout_id)s
        UNION ALL SELECT 'z', id, version FROM layout_courier_zone WHERE layout_id = %(layout_id)s
        UNION ALL SELECT 's', id, version FROM layout_post_station WHERE layout_id = %(layout_id)s) parts
