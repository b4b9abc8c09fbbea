-- A package carries when each step of a case was written (a step's "recorded", where later than
-- when it happened), and loading the package puts it back: while a package's history is replayed
-- (gridmap.replaying, set by gis/cases/package.py for its own transaction) and then only, a step's
-- recorded_at may be moved to after its ``at`` and not past now; nothing else of a step changes,
-- and outside a replay nothing of it at all.
CREATE OR REPLACE FUNCTION gridmap_case_event_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('gridmap.replaying', true) = 'on'
       AND to_jsonb(NEW) - 'recorded_at' = to_jsonb(OLD) - 'recorded_at'
       AND NEW.recorded_at >= NEW.at AND NEW.recorded_at <= now() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' OR (EXISTS (SELECT 1 FROM case_record WHERE id = OLD.case_id)
                            AND EXISTS (SELECT 1 FROM jurisdiction WHERE id = OLD.jurisdiction_id)) THEN
        RAISE EXCEPTION 'the steps of a case are a record and cannot be changed or deleted'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_event_kept', TABLE = 'case_event';
    END IF;
    RETURN OLD;
END $$;
