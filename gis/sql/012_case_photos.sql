-- Photos of cases: "before" when a problem is reported, "after" when it is handled (处置前/后).
-- Kept in the database, next to their case: one backup, one transaction with the case, one set
-- of access rules; a photo is capped at 2,048 px and re-encoded (gis/photos.py), so it is a few
-- hundred kilobytes. client_id makes a phone's retried upload idempotent.
CREATE FUNCTION gridmap_limit_photos_per_stage() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 4';

CREATE TABLE case_photo (
    id          serial PRIMARY KEY,
    case_id     integer NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
    client_id   uuid UNIQUE,
    stage       text NOT NULL CONSTRAINT case_photo_stage_check CHECK (stage IN ('before', 'after')),
    media_type  text NOT NULL CONSTRAINT case_photo_media_type_check CHECK (media_type IN ('image/jpeg', 'image/png')),
    width       integer NOT NULL CONSTRAINT case_photo_width_check CHECK (width BETWEEN 1 AND 2048),
    height      integer NOT NULL CONSTRAINT case_photo_height_check CHECK (height BETWEEN 1 AND 2048),
    data        bytea NOT NULL CONSTRAINT case_photo_data_check CHECK (octet_length(data) BETWEEN 1 AND 8388608),
    sha256      text NOT NULL,
    taken_by    text NOT NULL DEFAULT gridmap_actor(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_photo_case ON case_photo (case_id);

-- At most four photos of a case at each stage (what the field app offers).
CREATE FUNCTION gridmap_case_photo_limit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM case_record WHERE id = NEW.case_id FOR UPDATE;  -- one upload at a time per case
    IF (SELECT count(*) FROM case_photo WHERE case_id = NEW.case_id AND stage = NEW.stage)
       >= gridmap_limit_photos_per_stage() THEN
        RAISE EXCEPTION 'case % has % % photos already, the most it may have', NEW.case_id,
            gridmap_limit_photos_per_stage(), NEW.stage
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_photo_limit', TABLE = 'case_photo';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER case_photo_limit BEFORE INSERT ON case_photo FOR EACH ROW EXECUTE FUNCTION gridmap_case_photo_limit();
