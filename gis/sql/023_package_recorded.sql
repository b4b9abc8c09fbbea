-- A package carries when each step of a case was written (a step's "recorded", where later than
-- when it happened), and loading the package puts it back. Only while a package's history is
-- replayed (gridmap.replaying, set by gis/cases/package.py for its own transaction), and only on a
-- step written by that same transaction, may a step's recorded_at be moved, to after its ``at``
-- and not past now; nothing else of a step changes, and outside a replay nothing of it at all.
-- The record's own rule (gridmap_case_event_kept, 011) stays as it is: its trigger on UPDATE
-- fires unless the update is such a move.

-- Was a row whose xmin is ``x`` written by this transaction (or one of its savepoints)? A row this
-- transaction can see whose writer is still in progress can only be its own. (``x`` is taken in
-- the current epoch, or the one before when that would put it in the future.)
CREATE FUNCTION gridmap_written_now(x xid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(pg_xact_status((CASE WHEN v > now_ THEN v - 4294967296 ELSE v END)::text::xid8)
                    = 'in progress', false)
      FROM (SELECT pg_current_xact_id()::text::bigint AS now_,
                   (pg_current_xact_id()::text::bigint >> 32 << 32) | x::text::bigint AS v) ids
$$;

-- Is the update of step ``o`` to ``n`` a replay putting back when it was written?
CREATE FUNCTION gridmap_case_event_rerecorded(o case_event, n case_event) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('gridmap.replaying', true), '') = 'on'
       AND to_jsonb(n) - 'recorded_at' = to_jsonb(o) - 'recorded_at'
       AND o.recorded_at = o.at AND n.recorded_at >= n.at AND n.recorded_at <= now()
       AND gridmap_written_now((SELECT xmin FROM case_event WHERE id = o.id))
$$;

DROP TRIGGER case_event_kept ON case_event;
CREATE TRIGGER case_event_kept BEFORE DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_event_kept();
CREATE TRIGGER case_event_kept_upd BEFORE UPDATE ON case_event
    FOR EACH ROW WHEN (NOT coalesce(gridmap_case_event_rerecorded(OLD, NEW), false))
    EXECUTE FUNCTION gridmap_case_event_kept();

-- A package's history is taken as it happened: a case it says was given to someone was given to
-- them then, though they may be no worker, account or grid leader of the jurisdiction now (the
-- package carries its workers, never its accounts, and a grid's leader changes).
CREATE OR REPLACE FUNCTION gridmap_case_assignable(jid integer, who text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('gridmap.replaying', true), '') = 'on'  -- never NULL: a NULL fails no IF
        OR EXISTS (SELECT 1 FROM worker WHERE jurisdiction_id = jid AND name = who)
        OR EXISTS (SELECT 1 FROM app_user WHERE username = who AND active
                   AND (jurisdiction_id IS NULL OR jurisdiction_id = jid))
        OR EXISTS (SELECT 1 FROM grid WHERE jurisdiction_id = jid AND leader = who)
$$;
