-- Of the tables named, those whose planner statistics a bulk write has made stale:
-- by autovacuum's own rule (autovacuum_analyze_threshold + autovacuum_analyze_scale_factor ×
-- reltuples, defaults 50 and a tenth), counting the rows changed since the last ANALYZE, both those
-- committed (pg_stat_user_tables) and those of this transaction so far (pg_stat_xact_user_tables).
-- A table never analysed (reltuples -1) is always stale.
SELECT c.relname
  FROM pg_class c
  JOIN pg_stat_user_tables s ON s.relid = c.oid
  JOIN pg_stat_xact_user_tables x ON x.relid = c.oid
 WHERE c.relname = ANY (%(tables)s)
   AND c.relnamespace = 'public'::regnamespace
   AND (c.reltuples < 0
        OR s.n_mod_since_analyze + x.n_tup_ins + x.n_tup_upd + x.n_tup_del
           > 50 + 0.1 * c.reltuples)
 ORDER BY c.relname
