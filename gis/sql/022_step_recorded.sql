-- When each step of a case was written, beside when it is said to have happened (``at``). A phone
-- sends a step it took offline with the time it was done, and a leader may record a step after
-- the fact: both are allowed (not before the case's last step, not in the future), and now the
-- history shows how late each was written (补录), so a step dated back is seen as such.
-- Written by the database, never by the one recording: only a package's replay of a case's
-- history (gridmap.replaying, set by gis/cases/package.py for its transaction) takes each step as
-- written when it happened, as the steps kept before this column existed are taken.
ALTER TABLE case_event ADD COLUMN recorded_at timestamptz;

ALTER TABLE case_event DISABLE TRIGGER case_event_kept;
UPDATE case_event SET recorded_at = at;
ALTER TABLE case_event ENABLE TRIGGER case_event_kept;
ALTER TABLE case_event ALTER COLUMN recorded_at SET NOT NULL;

CREATE FUNCTION gridmap_case_event_recorded() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.recorded_at := CASE WHEN current_setting('gridmap.replaying', true) = 'on' THEN NEW.at ELSE now() END;
    RETURN NEW;
END $$;

CREATE TRIGGER case_event_recorded BEFORE INSERT ON case_event
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_event_recorded();
