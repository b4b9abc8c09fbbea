-- A package carries when each step of a case was written (a step's "recorded", where later than
-- when it happened), and loading the package puts it back. Only while a package's history is
-- replayed (gridmap.replaying, set by gis/cases/package.py for its own transaction), and only on a
-- step written by that same transaction, may a step's recorded_at be moved, to after its ``at``
-- and not past now; nothing else of a step changes, and outside a replay nothing of it at all.

-- Was a row whose xmin is ``x`` written by this transaction (or one of its savepoints)? A row this
-- transaction can see whose writer is still in progress can only be its own.
CREATE OR REPLACE FUNCTION gridmap_written_now(x xid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT pg_xact_status(((pg_current_xact_id()::text::bigint >> 32 << 32) | x::text::bigint)::text::xid8)
           = 'in progress'
$$;

CREATE OR REPLACE FUNCTION gridmap_case_event_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND coalesce(current_setting('gridmap.replaying', true), '') = 'on'
       AND to_jsonb(NEW) - 'recorded_at' = to_jsonb(OLD) - 'recorded_at'
       AND OLD.recorded_at = OLD.at AND NEW.recorded_at >= NEW.at AND NEW.recorded_at <= now()
       AND gridmap_written_now((SELECT xmin FROM case_event WHERE id = OLD.id)) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' OR (EXISTS (SELECT 1 FROM case_record WHERE id = OLD.case_id)
                            AND EXISTS (SELECT 1 FROM jurisdiction WHERE id = OLD.jurisdiction_id)) THEN
        RAISE EXCEPTION 'the steps of a case are a record and cannot be changed or deleted'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_event_kept', TABLE = 'case_event';
    END IF;
    RETURN OLD;
END $$;

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
