-- The cases a jurisdiction's workers reported and handled on a day (in its time zone), by the
-- account linked to each worker record: which, when, what, its urgency and state now, and where.
SELECT w.name, 'reported' AS did, c.id, c.reported_at AS at, k.name_zh, k.name_en, c.urgency, c.state,
       c.description, ST_X(c.geom), ST_Y(c.geom)
  FROM case_record c
  JOIN app_user u ON u.username = c.reporter JOIN worker w ON w.id = u.worker_id
  JOIN case_category k ON k.id = c.category_id
 WHERE c.jurisdiction_id = %(jurisdiction_id)s AND w.jurisdiction_id = %(jurisdiction_id)s
   AND (c.reported_at AT TIME ZONE %(zone)s)::date = %(day)s
UNION ALL
SELECT w.name, 'handled', c.id, e.at, k.name_zh, k.name_en, c.urgency, c.state,
       c.description, ST_X(c.geom), ST_Y(c.geom)
  FROM case_event e JOIN case_record c ON c.id = e.case_id
  JOIN app_user u ON u.username = e.actor JOIN worker w ON w.id = u.worker_id
  JOIN case_category k ON k.id = c.category_id
 WHERE e.jurisdiction_id = %(jurisdiction_id)s AND w.jurisdiction_id = %(jurisdiction_id)s
   AND e.to_state = 'handled' AND (e.at AT TIME ZONE %(zone)s)::date = %(day)s
ORDER BY 1, 4, 3;
