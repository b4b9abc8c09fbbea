-- Cases (事件 / 工单): what a grid worker finds on the daily walk, what residents report, and the
-- 12345 hotline's tickets (接诉即办), from reported to closed. The database keeps the workflow:
-- a case enters as reported; every change of state must be one the table case_transition allows
-- (a parked case goes back only to where it was parked from); each is written to case_event with
-- who (gridmap.actor), when, from, to and the note. The rules of the steps (a reason to reject
-- or park, someone to dispatch to, what was done to handle, a verifier other than the handler)
-- are checked here, so that no client, QGIS or psql included, can skip one.
--
-- Two columns are written only with a transition and read back empty: note (the step's note,
-- kept in case_event) and event_at (when the step happened, for steps recorded after the fact:
-- never before the case's last step, never in the future; now() when not given).

-- Departments a case can be dispatched to (街乡吹哨、部门报到), per jurisdiction.
CREATE TABLE department (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    code            text NOT NULL CONSTRAINT department_code_check CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name_zh         text NOT NULL CONSTRAINT department_name_zh_check CHECK (length(name_zh) > 0),
    name_en         text NOT NULL CONSTRAINT department_name_en_check CHECK (length(name_en) > 0),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT department_code_key UNIQUE (jurisdiction_id, code),
    CONSTRAINT department_jurisdiction_key UNIQUE (jurisdiction_id, id)
);

-- The categories of cases, per jurisdiction: who handles them by default, how soon a case must
-- be answered (accepted or rejected) and closed, by urgency (red: urgent, yellow: important,
-- blue: ordinary), in hours from when it was reported.
CREATE TABLE case_category (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    code            text NOT NULL CONSTRAINT case_category_code_check CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    name_zh         text NOT NULL CONSTRAINT case_category_name_zh_check CHECK (length(name_zh) > 0),
    name_en         text NOT NULL CONSTRAINT case_category_name_en_check CHECK (length(name_en) > 0),
    department_id   integer,
    response_hours  integer NOT NULL CONSTRAINT case_category_response_hours_check CHECK (response_hours > 0),
    red_hours       integer NOT NULL,
    yellow_hours    integer NOT NULL,
    blue_hours      integer NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_category_hours_check CHECK (0 < red_hours AND red_hours <= yellow_hours
                                                AND yellow_hours <= blue_hours),
    CONSTRAINT case_category_code_key UNIQUE (jurisdiction_id, code),
    CONSTRAINT case_category_jurisdiction_key UNIQUE (jurisdiction_id, id),
    FOREIGN KEY (jurisdiction_id, department_id) REFERENCES department (jurisdiction_id, id)
);

-- The steps a case may take: from → to. A parked case goes back only to the state it was parked
-- from (case_record.parked_from), which the trigger checks besides this table.
CREATE TABLE case_transition (
    from_state      text NOT NULL,
    to_state        text NOT NULL,
    PRIMARY KEY (from_state, to_state)
);
INSERT INTO case_transition (from_state, to_state) VALUES
    ('reported', 'accepted'), ('reported', 'rejected'),
    ('accepted', 'dispatched'), ('accepted', 'parked'),
    ('dispatched', 'handled'), ('dispatched', 'parked'),
    ('handled', 'verified'), ('handled', 'parked'),
    ('verified', 'closed'), ('verified', 'handled'), ('verified', 'dispatched'),
    ('parked', 'accepted'), ('parked', 'dispatched'), ('parked', 'handled');

CREATE TABLE case_record (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    -- made by the phone that recorded the case, so that a replayed sync creates nothing twice
    client_id       uuid CONSTRAINT case_record_client_id_key UNIQUE,
    source          text NOT NULL CONSTRAINT case_record_source_check
                        CHECK (source IN ('patrol', 'hotline', 'resident', 'inspection')),
    ticket_no       text,
    category_id     integer NOT NULL,
    urgency         text NOT NULL DEFAULT 'blue' CONSTRAINT case_record_urgency_check
                        CHECK (urgency IN ('red', 'yellow', 'blue')),
    description     text NOT NULL CONSTRAINT case_record_description_check CHECK (length(btrim(description)) > 0),
    address         text,
    reporter        text,
    building_id     integer REFERENCES building (id) ON DELETE SET NULL,
    grid_id         integer REFERENCES grid (id) ON DELETE SET NULL,  -- derived from geom
    state           text NOT NULL DEFAULT 'reported' CONSTRAINT case_record_state_check
                        CHECK (state IN ('reported', 'accepted', 'rejected', 'dispatched', 'handled',
                                         'verified', 'closed', 'parked')),
    state_since     timestamptz NOT NULL DEFAULT now(),
    parked_from     text,
    review_on       date,
    assignee        text,
    department_id   integer,
    handled_by      text,
    handling        text,
    reason          text,
    reported_at     timestamptz NOT NULL DEFAULT now(),
    due_at          timestamptz NOT NULL,  -- derived: reported_at + the category's hours for the urgency
    accepted_at     timestamptz,
    rejected_at     timestamptz,
    dispatched_at   timestamptz,
    handled_at      timestamptz,
    verified_at     timestamptz,
    closed_at       timestamptz,
    parked_at       timestamptz,
    satisfaction    text CONSTRAINT case_record_satisfaction_check
                        CHECK (satisfaction IN ('satisfied', 'basically', 'dissatisfied')),
    solved          boolean,
    feedback_at     timestamptz,
    note            text,         -- a transition's note: written with it, kept in case_event
    event_at        timestamptz,  -- when a transition happened, if not now: kept in case_event
    geom            geometry(Point, 4326),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT case_record_ticket_key UNIQUE (jurisdiction_id, ticket_no),
    CONSTRAINT case_record_ticket_check CHECK ((source = 'hotline') = (ticket_no IS NOT NULL)),
    CONSTRAINT case_record_place_check CHECK (geom IS NOT NULL OR source = 'hotline'),
    CONSTRAINT case_record_geom_valid CHECK (geom IS NULL OR (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))),
    CONSTRAINT case_record_reported_day_range CHECK (
        reported_at >= timestamptz '2000-01-01 00:00+00' AND reported_at < timestamptz '2100-01-01 00:00+00'),
    CONSTRAINT case_record_review_day_range CHECK (
        review_on BETWEEN gridmap_limit_earliest_day() AND gridmap_limit_latest_day()),
    FOREIGN KEY (jurisdiction_id, category_id) REFERENCES case_category (jurisdiction_id, id),
    FOREIGN KEY (jurisdiction_id, department_id) REFERENCES department (jurisdiction_id, id)
);

-- Every step of every case, as it happened. Written by the trigger only; never changed.
CREATE TABLE case_event (
    id              bigserial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    case_id         integer NOT NULL REFERENCES case_record (id) ON DELETE CASCADE,
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    from_state      text,
    to_state        text NOT NULL,
    note            text,
    assignee        text,
    department_id   integer
);

CREATE INDEX department_jurisdiction_idx ON department (jurisdiction_id);
CREATE INDEX case_category_jurisdiction_idx ON case_category (jurisdiction_id);
CREATE INDEX case_record_reported_idx ON case_record (jurisdiction_id, reported_at);
CREATE INDEX case_record_state_idx ON case_record (jurisdiction_id, state, due_at);
CREATE INDEX case_record_grid_idx ON case_record (grid_id);
CREATE INDEX case_record_building_idx ON case_record (building_id);
CREATE INDEX case_record_geom_idx ON case_record USING gist (geom);
CREATE INDEX case_event_case_idx ON case_event (case_id, at, id);
CREATE INDEX case_event_jurisdiction_idx ON case_event (jurisdiction_id, at);

-- The catalogue every jurisdiction starts with (kept as data: edit it per jurisdiction).
CREATE FUNCTION gridmap_seed_case_catalogue(jid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO department (jurisdiction_id, code, name_zh, name_en)
    SELECT jid, d.code, d.zh, d.en FROM (VALUES
        ('urban_management', '城管执法队', 'Urban management enforcement'),
        ('fire_safety', '消防安全', 'Fire safety'),
        ('sanitation', '环卫所', 'Sanitation'),
        ('traffic', '交通与停车管理', 'Traffic and parking management'),
        ('municipal', '市政市容', 'Municipal works'),
        ('drainage', '排水集团', 'Drainage company'),
        ('police', '派出所', 'Police station'),
        ('mediation', '人民调解委员会', 'People''s mediation committee'),
        ('property', '物业公司', 'Property management'),
        ('community', '社区居委会', 'Community committee')) AS d (code, zh, en)
    ON CONFLICT (jurisdiction_id, code) DO NOTHING;
    INSERT INTO case_category (jurisdiction_id, code, name_zh, name_en, department_id, response_hours,
                               red_hours, yellow_hours, blue_hours)
    SELECT jid, c.code, c.zh, c.en, d.id, c.response, c.red, c.yellow, c.blue FROM (VALUES
        ('courier_parking', '快递车辆乱停', 'Courier vehicles parked in disorder', 'urban_management', 2, 4, 24, 72),
        ('ebike_charging', '电动车违规充电', 'E-bike charged in a building or corridor', 'fire_safety', 1, 2, 12, 48),
        ('garbage', '垃圾', 'Garbage', 'sanitation', 2, 4, 24, 72),
        ('parking', '停车', 'Parking', 'traffic', 2, 4, 48, 120),
        ('illegal_construction', '违建', 'Illegal construction', 'urban_management', 24, 24, 168, 360),
        ('road_lighting', '道路照明', 'Roads and street lighting', 'municipal', 4, 8, 72, 168),
        ('drainage', '排水', 'Drainage', 'drainage', 2, 4, 24, 72),
        ('noise', '噪音', 'Noise', 'police', 2, 4, 24, 72),
        ('neighbour_dispute', '邻里纠纷', 'Neighbour dispute', 'mediation', 4, 24, 72, 168),
        ('other', '其他', 'Other', 'community', 4, 24, 72, 168))
        AS c (code, zh, en, dept, response, red, yellow, blue)
    JOIN department d ON d.jurisdiction_id = jid AND d.code = c.dept
    ON CONFLICT (jurisdiction_id, code) DO NOTHING;
END $$;

CREATE FUNCTION gridmap_jurisdiction_case_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gridmap_seed_case_catalogue(NEW.id);
    RETURN NULL;
END $$;
CREATE TRIGGER jurisdiction_case_catalogue AFTER INSERT ON jurisdiction
    FOR EACH ROW EXECUTE FUNCTION gridmap_jurisdiction_case_catalogue();
SELECT gridmap_seed_case_catalogue(id) FROM jurisdiction;

-- The hours a case of a category and urgency has, from being reported to being closed.
CREATE FUNCTION gridmap_case_limit_hours(category integer, urgency text) RETURNS integer
    LANGUAGE sql STABLE AS $$
    SELECT CASE urgency WHEN 'red' THEN red_hours WHEN 'yellow' THEN yellow_hours ELSE blue_hours END
      FROM case_category WHERE id = category
$$;

-- The next states a case in `state` may take (parked: back to where it came from).
CREATE FUNCTION gridmap_case_next_states(state text, parked_from text) RETURNS text
    LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(to_state, ', ' ORDER BY to_state), 'none')
      FROM case_transition WHERE from_state = state AND (state <> 'parked' OR to_state = parked_from)
$$;

-- Whether `who` names someone a case of jurisdiction `jid` can be dispatched to: a registered
-- worker, a user of the jurisdiction (or of every one), or the leader of one of its grids.
CREATE FUNCTION gridmap_case_assignable(jid integer, who text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM worker WHERE jurisdiction_id = jid AND name = who)
        OR EXISTS (SELECT 1 FROM app_user WHERE username = who AND active
                   AND (jurisdiction_id IS NULL OR jurisdiction_id = jid))
        OR EXISTS (SELECT 1 FROM grid WHERE jurisdiction_id = jid AND leader = who)
$$;

-- Where the case is: a building names its place when no point is given; the grid is derived from
-- the point (as a building's is), the due time from the category and urgency.
CREATE FUNCTION gridmap_case_place() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.building_id IS NOT NULL
       AND (TG_OP = 'INSERT' OR NEW.building_id IS DISTINCT FROM OLD.building_id) THEN
        IF NOT EXISTS (SELECT 1 FROM building WHERE id = NEW.building_id
                       AND jurisdiction_id = NEW.jurisdiction_id) THEN
            RAISE EXCEPTION 'building % is not a building of the case''s jurisdiction', NEW.building_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_building', TABLE = 'case_record';
        END IF;
        IF NEW.geom IS NULL THEN
            NEW.geom := (SELECT ST_PointOnSurface(geom) FROM building WHERE id = NEW.building_id);
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.geom IS DISTINCT FROM OLD.geom OR NEW.grid_id IS DISTINCT FROM OLD.grid_id THEN
        NEW.grid_id := CASE WHEN NEW.geom IS NULL THEN NULL ELSE gridmap_grid_of(NEW.jurisdiction_id, NEW.geom) END;
    END IF;
    IF TG_OP = 'INSERT' OR NEW.urgency IS DISTINCT FROM OLD.urgency
       OR NEW.category_id IS DISTINCT FROM OLD.category_id THEN
        IF NOT EXISTS (SELECT 1 FROM case_category WHERE id = NEW.category_id
                       AND jurisdiction_id = NEW.jurisdiction_id) THEN
            RAISE EXCEPTION 'category % is not a case category of the case''s jurisdiction', NEW.category_id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_category', TABLE = 'case_record';
        END IF;
        NEW.due_at := NEW.reported_at
            + make_interval(hours => gridmap_case_limit_hours(NEW.category_id, NEW.urgency));
    END IF;
    RETURN NEW;
END $$;

-- The workflow: only the steps case_transition allows, each with what it needs, each recorded.
CREATE FUNCTION gridmap_case_step() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    who text := gridmap_actor();
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.state <> 'reported' THEN
            RAISE EXCEPTION 'a case starts as reported, not %', NEW.state
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_start', TABLE = 'case_record';
        END IF;
        IF NEW.reported_at > now() THEN
            RAISE EXCEPTION 'a case cannot be reported in the future (%)', NEW.reported_at
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_time', TABLE = 'case_record';
        END IF;
        NEW.state_since := NEW.reported_at;
        NEW.accepted_at := NULL; NEW.rejected_at := NULL; NEW.dispatched_at := NULL; NEW.handled_at := NULL;
        NEW.verified_at := NULL; NEW.closed_at := NULL; NEW.parked_at := NULL;
        NEW.parked_from := NULL; NEW.handled_by := NULL; NEW.handling := NULL; NEW.reason := NULL;
        NEW.note := NULL; NEW.event_at := NULL;
        RETURN NEW;
    END IF;
    IF NEW.reported_at IS DISTINCT FROM OLD.reported_at THEN
        RAISE EXCEPTION 'case %: the time it was reported does not change', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_time', TABLE = 'case_record';
    END IF;
    IF NEW.state IS NOT DISTINCT FROM OLD.state THEN
        IF NEW.assignee IS DISTINCT FROM OLD.assignee OR NEW.department_id IS DISTINCT FROM OLD.department_id THEN
            RAISE EXCEPTION 'case %: who handles it changes only by dispatching it', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_step', TABLE = 'case_record';
        END IF;
        -- what the steps write stays as they wrote it
        NEW.state_since := OLD.state_since; NEW.accepted_at := OLD.accepted_at; NEW.rejected_at := OLD.rejected_at;
        NEW.dispatched_at := OLD.dispatched_at; NEW.handled_at := OLD.handled_at;
        NEW.verified_at := OLD.verified_at; NEW.closed_at := OLD.closed_at; NEW.parked_at := OLD.parked_at;
        NEW.parked_from := OLD.parked_from; NEW.review_on := OLD.review_on; NEW.handled_by := OLD.handled_by;
        NEW.handling := OLD.handling; NEW.reason := OLD.reason;
        NEW.note := NULL; NEW.event_at := NULL;
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM case_transition WHERE from_state = OLD.state AND to_state = NEW.state)
       OR (OLD.state = 'parked' AND NEW.state IS DISTINCT FROM OLD.parked_from) THEN
        RAISE EXCEPTION 'case % cannot go from % to %; next allowed: %', OLD.id, OLD.state, NEW.state,
                        gridmap_case_next_states(OLD.state, OLD.parked_from)
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_step', TABLE = 'case_record';
    END IF;
    t := coalesce(NEW.event_at, now());
    IF t < OLD.state_since THEN
        RAISE EXCEPTION 'case %: % is before its last step (%)', OLD.id, t, OLD.state_since
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_time', TABLE = 'case_record';
    END IF;
    IF t > now() THEN
        RAISE EXCEPTION 'case %: % is in the future', OLD.id, t
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_time', TABLE = 'case_record';
    END IF;
    IF NEW.state IN ('rejected', 'handled', 'parked') AND length(btrim(coalesce(NEW.note, ''))) = 0 THEN
        RAISE EXCEPTION 'case %: to go to % give a note (%)', OLD.id, NEW.state,
            CASE NEW.state WHEN 'rejected' THEN 'why it is not accepted'
                           WHEN 'handled' THEN 'what was done' ELSE 'why it is parked' END
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_note', TABLE = 'case_record';
    END IF;
    IF NEW.state = 'dispatched' THEN
        IF NEW.assignee IS NULL AND NEW.department_id IS NULL THEN
            RAISE EXCEPTION 'case %: dispatch it to a worker or a department', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_dispatch', TABLE = 'case_record';
        END IF;
        IF NEW.assignee IS NOT NULL AND NOT gridmap_case_assignable(NEW.jurisdiction_id, NEW.assignee) THEN
            RAISE EXCEPTION 'case %: % is no worker, user or grid leader of its jurisdiction', OLD.id, NEW.assignee
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_dispatch', TABLE = 'case_record';
        END IF;
    ELSIF NEW.assignee IS DISTINCT FROM OLD.assignee OR NEW.department_id IS DISTINCT FROM OLD.department_id THEN
        RAISE EXCEPTION 'case %: who handles it changes only by dispatching it', OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_step', TABLE = 'case_record';
    END IF;
    IF NEW.state = 'verified' AND who = OLD.handled_by THEN
        RAISE EXCEPTION 'case %: % handled it and may not verify it too: someone else verifies', OLD.id, who
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_verifier', TABLE = 'case_record';
    END IF;
    IF NEW.state = 'parked' THEN
        IF NEW.review_on IS NULL OR NEW.review_on < t::date - 1 THEN
            RAISE EXCEPTION 'case %: a parked case needs a review date, not before the day it is parked', OLD.id
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_record_note', TABLE = 'case_record';
        END IF;
        NEW.parked_from := OLD.state;
        NEW.reason := NEW.note;
        NEW.parked_at := t;
    ELSE
        NEW.parked_from := NULL;
        NEW.review_on := NULL;
    END IF;
    CASE NEW.state
        WHEN 'accepted' THEN NEW.accepted_at := t;
        WHEN 'rejected' THEN NEW.rejected_at := t; NEW.reason := NEW.note;
        WHEN 'dispatched' THEN NEW.dispatched_at := t;
        WHEN 'handled' THEN NEW.handled_at := t; NEW.handling := NEW.note; NEW.handled_by := who;
        WHEN 'verified' THEN NEW.verified_at := t;
        WHEN 'closed' THEN NEW.closed_at := t;
        ELSE NULL;
    END CASE;
    NEW.state_since := t;
    INSERT INTO case_event (jurisdiction_id, case_id, at, actor, from_state, to_state, note, assignee, department_id)
    VALUES (NEW.jurisdiction_id, NEW.id, t, who, OLD.state, NEW.state, NEW.note, NEW.assignee, NEW.department_id);
    NEW.note := NULL;
    NEW.event_at := NULL;
    RETURN NEW;
END $$;

-- The first event, once the case exists.
CREATE FUNCTION gridmap_case_reported() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_event (jurisdiction_id, case_id, at, actor, from_state, to_state, assignee, department_id)
    VALUES (NEW.jurisdiction_id, NEW.id, NEW.reported_at, gridmap_actor(), NULL, 'reported',
            NEW.assignee, NEW.department_id);
    RETURN NULL;
END $$;

-- Events are the record: never changed, gone only with their case.
CREATE FUNCTION gridmap_case_event_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR (EXISTS (SELECT 1 FROM case_record WHERE id = OLD.case_id)
                            AND EXISTS (SELECT 1 FROM jurisdiction WHERE id = OLD.jurisdiction_id)) THEN
        RAISE EXCEPTION 'the steps of a case are a record and cannot be changed or deleted'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'case_event_kept', TABLE = 'case_event';
    END IF;
    RETURN OLD;
END $$;

-- When grids change, the cases of the jurisdictions touched are re-derived (as buildings are).
CREATE FUNCTION gridmap_regrid_cases() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE jids integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT jurisdiction_id) INTO jids FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT jurisdiction_id) INTO jids
          FROM (SELECT jurisdiction_id FROM new_rows UNION SELECT jurisdiction_id FROM old_rows) j;
    ELSE
        SELECT array_agg(DISTINCT jurisdiction_id) INTO jids FROM old_rows;
    END IF;
    UPDATE case_record c SET grid_id = NULL  -- the row trigger derives the real value
     WHERE c.jurisdiction_id = ANY (jids) AND c.geom IS NOT NULL
       AND c.grid_id IS DISTINCT FROM gridmap_grid_of(c.jurisdiction_id, c.geom);
    RETURN NULL;
END $$;

-- Trigger names order the BEFORE triggers: place (and grid), inside, step.
CREATE TRIGGER case_record_10_place BEFORE INSERT OR UPDATE ON case_record
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_place();
CREATE TRIGGER case_record_20_inside BEFORE INSERT ON case_record
    FOR EACH ROW WHEN (NEW.geom IS NOT NULL) EXECUTE FUNCTION gridmap_inside_jurisdiction();
CREATE TRIGGER case_record_20_inside_upd BEFORE UPDATE ON case_record
    FOR EACH ROW WHEN (NEW.geom IS NOT NULL AND (NEW.geom IS DISTINCT FROM OLD.geom
                                                 OR NEW.jurisdiction_id <> OLD.jurisdiction_id))
    EXECUTE FUNCTION gridmap_inside_jurisdiction();
CREATE TRIGGER case_record_30_step BEFORE INSERT OR UPDATE ON case_record
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_step();
CREATE TRIGGER case_record_reported AFTER INSERT ON case_record
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_reported();
CREATE TRIGGER case_event_kept BEFORE UPDATE OR DELETE ON case_event
    FOR EACH ROW EXECUTE FUNCTION gridmap_case_event_kept();
CREATE TRIGGER grid_regrid_cases_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_cases();
CREATE TRIGGER grid_regrid_cases_upd AFTER UPDATE ON grid REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_cases();
CREATE TRIGGER grid_regrid_cases_del AFTER DELETE ON grid REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_cases();

SELECT gridmap_track_changes(t) FROM unnest(ARRAY['department', 'case_category']) AS t;

-- A case's history rows, as gridmap_history writes them, but with the point written straight from
-- the row (gridmap_row_json parses it back from JSON text: a third of a millisecond a row, which a
-- year of cases replayed, ~3,000 rows, turns into seconds).
CREATE FUNCTION gridmap_case_json(r case_record) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT (to_jsonb(r) - 'geom') || jsonb_build_object('geom', ST_AsGeoJSON(r.geom, 7)::jsonb)
$$;
CREATE FUNCTION gridmap_case_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, n.id, n.jurisdiction_id, 'insert', NULL, gridmap_case_json(n)
          FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, n.id, n.jurisdiction_id, 'update', gridmap_case_json(o),
               gridmap_case_json(n)
          FROM old_rows o JOIN new_rows n USING (id);
    ELSE
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, o.id, o.jurisdiction_id, 'delete', gridmap_case_json(o), NULL
          FROM old_rows o;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER case_record_version BEFORE UPDATE ON case_record
    FOR EACH ROW EXECUTE FUNCTION gridmap_bump_version();
CREATE TRIGGER case_record_history_ins AFTER INSERT ON case_record REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_case_history();
CREATE TRIGGER case_record_history_upd AFTER UPDATE ON case_record REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_case_history();
CREATE TRIGGER case_record_history_del AFTER DELETE ON case_record REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_case_history();
CREATE TRIGGER case_record_layer_ins AFTER INSERT ON case_record REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed();
CREATE TRIGGER case_record_layer_upd AFTER UPDATE ON case_record REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed();
CREATE TRIGGER case_record_layer_del AFTER DELETE ON case_record REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed();

-- Limits, named as 007_limits.sql names them.
DO $$
DECLARE item text[];
BEGIN
    FOREACH item SLICE 1 IN ARRAY ARRAY[
        ['department', 'name_zh'], ['department', 'name_en'], ['case_category', 'name_zh'],
        ['case_category', 'name_en'], ['case_record', 'ticket_no'], ['case_record', 'address'],
        ['case_record', 'reporter'], ['case_record', 'assignee'], ['case_record', 'handled_by']] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (char_length(%I) <= gridmap_limit_name_chars())',
                       item[1], item[1] || '_' || item[2] || '_chars', item[2]);
    END LOOP;
    FOREACH item SLICE 1 IN ARRAY ARRAY[
        ['case_record', 'description'], ['case_record', 'handling'], ['case_record', 'reason'],
        ['case_record', 'note'], ['case_event', 'note']] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (char_length(%I) <= gridmap_limit_note_chars())',
                       item[1], item[1] || '_' || item[2] || '_chars', item[2]);
    END LOOP;
END $$;
