-- Mean hours the cases received in [start, end) spent in each state, over the stays that had
-- ended by as_of (an entry into a state and the next step out of it), grouped as case_kpi.sql.
WITH cohort AS (
    SELECT c.id, c.grid_id, c.category_id
      FROM case_record c
     WHERE c.jurisdiction_id = %(jurisdiction_id)s AND c.reported_at >= %(start)s AND c.reported_at < %(end)s
       AND c.reported_at <= %(as_of)s
),
ev AS (
    SELECT e.case_id, e.id, e.at, e.to_state, lead(e.at) OVER (PARTITION BY e.case_id ORDER BY e.at, e.id) AS left_at
      FROM case_event e JOIN cohort c ON c.id = e.case_id
     WHERE e.at <= %(as_of)s
),
last AS (
    SELECT DISTINCT ON (case_id) case_id, assignee, department_id FROM case_event
     WHERE case_id IN (SELECT id FROM cohort) AND at <= %(as_of)s ORDER BY case_id, at DESC, id DESC
),
keyed AS (
    SELECT ev.to_state AS state, extract(epoch FROM ev.left_at - ev.at) / 3600.0 AS hours,
           g.code AS grid, l.assignee AS worker, d.code AS department, k.code AS category
      FROM ev JOIN cohort c ON c.id = ev.case_id JOIN last l ON l.case_id = ev.case_id
      LEFT JOIN grid g ON g.id = c.grid_id LEFT JOIN department d ON d.id = l.department_id
      JOIN case_category k ON k.id = c.category_id
     WHERE ev.left_at IS NOT NULL
)
SELECT GROUPING(grid, worker, department, category) AS grouping, grid, worker, department, category, state,
       avg(hours) AS mean_hours, count(*) AS stays
  FROM keyed
 GROUP BY GROUPING SETS ((state), (grid, state), (worker, department, state), (category, state))
 ORDER BY 1 DESC, 2, 3, 4, 5, 6
