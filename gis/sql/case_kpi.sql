-- The 接诉即办 numbers of a jurisdiction's cases received in [start, end), as the workflow stood
-- at as_of (events after it are not seen), per grid, per worker (or department), per category
-- and overall (GROUPING SETS). Definitions: gis/cases/kpi.py and README.md "Cases: the numbers".
WITH cohort AS (
    SELECT c.id, c.grid_id, c.category_id, c.reported_at, c.due_at, c.satisfaction, c.solved, k.response_hours
      FROM case_record c JOIN case_category k ON k.id = c.category_id
     WHERE c.jurisdiction_id = %(jurisdiction_id)s AND c.reported_at >= %(start)s AND c.reported_at < %(end)s
       AND c.reported_at <= %(as_of)s
),
-- Each case's steps up to as_of, read once per case through its index (case_id, at, id): its state,
-- assignee and department after its last step, its first answer and its closing.
facts AS (
    SELECT c.*, s.state, s.assignee, s.department_id, s.answered_at, s.closed_at
      FROM cohort c
      CROSS JOIN LATERAL (
          SELECT (array_agg(e.to_state ORDER BY e.at DESC, e.id DESC))[1] AS state,
                 (array_agg(e.assignee ORDER BY e.at DESC, e.id DESC))[1] AS assignee,
                 (array_agg(e.department_id ORDER BY e.at DESC, e.id DESC))[1] AS department_id,
                 min(e.at) FILTER (WHERE e.to_state IN ('accepted', 'rejected')) AS answered_at,
                 min(e.at) FILTER (WHERE e.to_state = 'closed') AS closed_at
            FROM case_event e WHERE e.case_id = c.id AND e.at <= %(as_of)s) s
     WHERE s.state IS NOT NULL
),
keyed AS (
    SELECT f.*, g.code AS grid, f.assignee AS worker, d.code AS department, k.code AS category
      FROM facts f LEFT JOIN grid g ON g.id = f.grid_id LEFT JOIN department d ON d.id = f.department_id
      JOIN case_category k ON k.id = f.category_id
)
SELECT GROUPING(grid, worker, department, category) AS grouping, grid, worker, department, category,
       count(*) AS received,
       count(*) FILTER (WHERE answered_at <= reported_at + make_interval(hours => response_hours)) AS responded,
       -- answered, or its time to answer over: one still in its time is neither a success nor a failure yet
       count(*) FILTER (WHERE answered_at IS NOT NULL
                           OR reported_at + make_interval(hours => response_hours) <= %(as_of)s) AS response_due,
       count(*) FILTER (WHERE solved IS NOT NULL) AS solved_answered,
       count(*) FILTER (WHERE solved) AS solved,
       count(*) FILTER (WHERE satisfaction IS NOT NULL) AS satisfaction_answered,
       coalesce(sum(CASE satisfaction WHEN 'satisfied' THEN 1.0 WHEN 'basically' THEN %(basic_weight)s
                                      ELSE 0.0 END), 0) AS satisfaction_score,
       count(*) FILTER (WHERE state <> 'rejected' AND (closed_at IS NOT NULL OR due_at <= %(as_of)s)) AS closure_due,
       count(*) FILTER (WHERE state <> 'rejected' AND closed_at <= due_at) AS closed_on_time,
       count(*) FILTER (WHERE state NOT IN ('closed', 'rejected')) AS open,
       count(*) FILTER (WHERE state = 'parked') AS parked,
       count(*) FILTER (WHERE state NOT IN ('closed', 'rejected', 'parked') AND due_at < %(as_of)s) AS overdue
  FROM keyed
 GROUP BY GROUPING SETS ((), (grid), (worker, department), (category))
 ORDER BY 1 DESC, 2, 3, 4, 5
