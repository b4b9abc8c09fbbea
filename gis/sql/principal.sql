-- Who holds a token (by its SHA-256): the user, their role and reach, a worker's grid in the
-- published layout, and whether the token is a print token (it may only read). The user becomes
-- this session's actor, whom the history records for writes. Also when the token expires (epoch
-- seconds): an answer remembered (gis.read_memo) is not used after it. Last, the name of the
-- worker record the account is linked to (gridmap users link): a case given to that name is theirs.
SELECT u.id, u.username, u.role, u.jurisdiction_id, j.slug, u.grid_code, g.id, t.kind = 'print',
       u.department_code, extract(epoch FROM t.expires_at)::float8,
       set_config('gridmap.actor', u.username, false), w.name
  FROM api_token t
  JOIN app_user u ON u.id = t.user_id
  -- the worker record linked, of the account's own jurisdiction, and only when its name is no
  -- other account's username (a case given to that username is the other account's)
  LEFT JOIN worker w ON w.id = u.worker_id
        AND (u.jurisdiction_id IS NULL OR w.jurisdiction_id = u.jurisdiction_id)
        AND NOT EXISTS (SELECT 1 FROM app_user o WHERE o.username = w.name AND o.id <> u.id)
  LEFT JOIN jurisdiction j ON j.id = u.jurisdiction_id
  LEFT JOIN grid g ON g.jurisdiction_id = u.jurisdiction_id AND g.code = u.grid_code
 WHERE t.token_hash = %s AND t.revoked_at IS NULL AND t.expires_at > now() AND u.active;
