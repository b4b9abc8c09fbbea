-- Every step a case took, in order, with who took it: the account, and what it is called (the
-- worker record it is linked to, else the name the account was given).
SELECT e.at, e.recorded_at, e.actor, coalesce(w.name, u.display_name), e.from_state, e.to_state, e.note,
       e.assignee, d.code, d.name_zh, d.name_en
  FROM case_event e
  LEFT JOIN department d ON d.id = e.department_id
  LEFT JOIN app_user u ON u.username = e.actor
  LEFT JOIN worker w ON w.id = u.worker_id
 WHERE e.case_id = %s
 ORDER BY e.at, e.id;
