-- The 接诉即办 numbers of every jurisdiction (or of those in jurisdiction_ids), side by side: the
-- overall figures of case_kpi.sql, with its definitions (gis/cases/kpi.py), per jurisdiction, for
-- a street office or district comparing its communities each month. One pass over the period's
-- cases and their steps up to as_of.
--
-- A case whose last step was by as_of and that was never parked is read from its own row: its
-- state then is its state now, and the trigger (011_cases.sql) wrote the time of each step it
-- took, once each (accepted or rejected: its first answer; closed). Only the others (a step after
-- as_of, or parked and perhaps accepted again) have their steps replayed from case_event, as
-- case_kpi.sql replays every case's; the result is the same (tests/test_cases_kpi.py).
WITH cohort AS (
    SELECT c.id, c.jurisdiction_id, c.reported_at, c.due_at, c.satisfaction, c.solved, k.response_hours,
           c.state, c.state_since, c.parked_at, c.accepted_at, c.rejected_at, c.closed_at
      FROM case_record c JOIN case_category k ON k.id = c.category_id
     WHERE c.reported_at >= %(start)s AND c.reported_at < %(end)s AND c.reported_at <= %(as_of)s
       AND (%(jurisdiction_ids)s::int[] IS NULL OR c.jurisdiction_id = ANY (%(jurisdiction_ids)s::int[]))
),
facts AS (
    SELECT c.id, c.jurisdiction_id, c.reported_at, c.due_at, c.satisfaction, c.solved, c.response_hours,
           c.state, coalesce(c.accepted_at, c.rejected_at) AS answered_at, c.closed_at
      FROM cohort c
     WHERE c.state_since <= %(as_of)s AND c.parked_at IS NULL
    UNION ALL
    SELECT c.id, c.jurisdiction_id, c.reported_at, c.due_at, c.satisfaction, c.solved, c.response_hours,
           s.state, s.answered_at, s.closed_at
      FROM cohort c
      CROSS JOIN LATERAL (
          SELECT (array_agg(e.to_state ORDER BY e.at DESC, e.id DESC))[1] AS state,
                 min(e.at) FILTER (WHERE e.to_state IN ('accepted', 'rejected')) AS answered_at,
                 min(e.at) FILTER (WHERE e.to_state = 'closed') AS closed_at
            FROM case_event e WHERE e.case_id = c.id AND e.at <= %(as_of)s) s
     WHERE NOT (c.state_since <= %(as_of)s AND c.parked_at IS NULL)
)
SELECT j.slug, j.name,
       count(f.id) AS received,
       count(*) FILTER (WHERE answered_at <= reported_at + make_interval(hours => response_hours)) AS responded,
       -- answered, or its time to answer over: one still in its time is neither a success nor a failure yet
       count(*) FILTER (WHERE answered_at IS NOT NULL
                           OR reported_at + make_interval(hours => response_hours) <= %(as_of)s) AS response_due,
       count(*) FILTER (WHERE solved IS NOT NULL) AS solved_answered,
       count(*) FILTER (WHERE solved) AS solved,
       count(*) FILTER (WHERE satisfaction IS NOT NULL) AS satisfaction_answered,
       coalesce(sum(CASE satisfaction WHEN 'satisfied' THEN 1.0 WHEN 'basically' THEN %(basic_weight)s
                                      ELSE 0.0 END) FILTER (WHERE f.id IS NOT NULL), 0) AS satisfaction_score,
       count(*) FILTER (WHERE state <> 'rejected' AND (closed_at IS NOT NULL OR due_at <= %(as_of)s)) AS closure_due,
       count(*) FILTER (WHERE state <> 'rejected' AND closed_at <= due_at) AS closed_on_time,
       count(*) FILTER (WHERE state NOT IN ('closed', 'rejected')) AS open,
       count(*) FILTER (WHERE state = 'parked') AS parked,
       count(*) FILTER (WHERE state NOT IN ('closed', 'rejected', 'parked') AND due_at < %(as_of)s) AS overdue
  FROM jurisdiction j LEFT JOIN facts f ON f.jurisdiction_id = j.id
 WHERE %(jurisdiction_ids)s::int[] IS NULL OR j.id = ANY (%(jurisdiction_ids)s::int[])
 GROUP BY j.id
 ORDER BY j.slug
