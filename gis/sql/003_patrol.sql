-- Patrol: the people who walk, the tracks they upload, the streets those tracks walked, and the
-- building visits they record.

-- Workers of a community: social workers (社工), grid workers (网格员), lane stewards (小巷管家:
-- retired or working party members) and other volunteers. geom is where they live, for
-- assigning stewards to grids by proximity; no other personal data is kept.
CREATE TABLE worker (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    role            text NOT NULL CHECK (role IN ('social_worker', 'grid_worker', 'steward_retired',
                                                  'steward_working', 'volunteer')),
    grid_id         integer REFERENCES grid (id) ON DELETE SET NULL,
    geom            geometry(Point, 4326) CHECK (geom IS NULL OR ST_IsValid(geom)),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (jurisdiction_id, name)
);

-- A GPS track a worker walked on a day (GPX upload), as recorded.
CREATE TABLE patrol_track (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    worker          text NOT NULL CHECK (length(worker) > 0),
    day             date NOT NULL,
    points          integer NOT NULL,
    matched_points  integer NOT NULL,
    geom            geometry(MultiLineString, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The streets a track walked (from map matching): metres walked along each edge.
CREATE TABLE patrol_walked (
    track_id        integer NOT NULL REFERENCES patrol_track (id) ON DELETE CASCADE,
    edge_id         integer NOT NULL REFERENCES street_edge (id) ON DELETE CASCADE,
    walked_m        double precision NOT NULL CHECK (walked_m >= 0),
    PRIMARY KEY (track_id, edge_id)
);

-- A building visit done (a check-in): small every year, big every two years (搜索式工作法).
CREATE TABLE visit (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    building_id     integer NOT NULL REFERENCES building (id) ON DELETE CASCADE,
    worker          text NOT NULL CHECK (length(worker) > 0),
    day             date NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('small', 'big')),
    note            text,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX worker_jurisdiction_idx ON worker (jurisdiction_id);
CREATE INDEX patrol_track_day_idx ON patrol_track (jurisdiction_id, day);
CREATE INDEX patrol_walked_edge_idx ON patrol_walked (edge_id);
CREATE INDEX visit_day_idx ON visit (jurisdiction_id, day);
CREATE INDEX visit_building_idx ON visit (building_id);

-- Versions for ETags and a history row for every change, on a table of features; used by this
-- migration and those after it.
CREATE FUNCTION gridmap_track_changes(t text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                   'EXECUTE FUNCTION gridmap_bump_version()', t || '_version', t);
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()', t || '_history_ins', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                   'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()',
                   t || '_history_upd', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()', t || '_history_del', t);
END $$;

SELECT gridmap_track_changes(t) FROM unnest(ARRAY['worker', 'patrol_track', 'visit']) AS t;
