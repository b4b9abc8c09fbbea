-- Whom a leader may dispatch a case of a jurisdiction to (gridmap_case_assignable allows more: any
-- active account that reaches it), for the case page's list: the jurisdiction's workers with their
-- grid and role, its grid leaders, and the active accounts bound to it that handle cases (grid
-- workers' and leaders', with their grid). One row a name and kind, by grid then name.
SELECT name, grid, kind FROM (
    SELECT w.name, g.code AS grid, w.role AS kind
      FROM worker w LEFT JOIN grid g ON g.id = w.grid_id
     WHERE w.jurisdiction_id = %(jurisdiction_id)s
    UNION
    SELECT g.leader, g.code, 'grid_leader' FROM grid g
     WHERE g.jurisdiction_id = %(jurisdiction_id)s AND g.leader IS NOT NULL
    UNION
    SELECT u.username, u.grid_code, 'account_' || u.role FROM app_user u
     WHERE u.jurisdiction_id = %(jurisdiction_id)s AND u.active AND u.role IN ('worker', 'leader')
) people
ORDER BY grid NULLS LAST, name, kind
