-- Grid layouts: drafts planners work on, and every layout ever published (kept, to compare and
-- to revert to). The live tables (grid, courier_zone, post_station) hold the published layout;
-- publishing a draft writes it there in one transaction.

CREATE TABLE layout (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    status          text NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
    based_on        integer REFERENCES layout (id) ON DELETE SET NULL,
    target_households double precision CHECK (target_households > 0),
    tolerance       double precision NOT NULL DEFAULT 0.15 CHECK (tolerance >= 0 AND tolerance < 1),
    created_by      text NOT NULL DEFAULT gridmap_actor(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_by    text,
    published_at    timestamptz,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
-- At most one published layout per jurisdiction.
CREATE UNIQUE INDEX layout_one_published ON layout (jurisdiction_id) WHERE status = 'published';

CREATE TABLE layout_grid (
    id              serial PRIMARY KEY,
    layout_id       integer NOT NULL REFERENCES layout (id) ON DELETE CASCADE,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    code            text NOT NULL,
    name            text,
    leader          text,
    target_households integer CHECK (target_households > 0),
    geom            geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (layout_id, code)
);

CREATE TABLE layout_courier_zone (
    id              serial PRIMARY KEY,
    layout_id       integer NOT NULL REFERENCES layout (id) ON DELETE CASCADE,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    capacity        integer CHECK (capacity >= 0),
    hours           text,
    operator        text,
    geom            geometry(Polygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE layout_post_station (
    id              serial PRIMARY KEY,
    layout_id       integer NOT NULL REFERENCES layout (id) ON DELETE CASCADE,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    kind            text NOT NULL CHECK (kind IN ('building_station', 'service_centre', 'parcel_locker')),
    building_id     integer REFERENCES building (id) ON DELETE SET NULL,
    capacity        integer CHECK (capacity >= 0),
    hours           text,
    geom            geometry(Point, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A courier zone is where couriers park and sort: in the open, never on a building.
CREATE FUNCTION gridmap_zone_off_buildings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE hit text;
BEGIN
    IF NOT ST_IsValid(NEW.geom) THEN
        RETURN NEW;  -- the geometry check names that problem
    END IF;
    SELECT coalesce(b.name, 'building ' || b.id) INTO hit FROM building b
     WHERE b.jurisdiction_id = NEW.jurisdiction_id AND ST_Intersects(b.geom, NEW.geom)
       AND ST_Area(ST_Intersection(b.geom, NEW.geom)::geography) > 1
     LIMIT 1;
    IF hit IS NOT NULL THEN
        RAISE EXCEPTION 'courier zone % lies on the footprint of %', NEW.name, hit
            USING ERRCODE = 'check_violation', CONSTRAINT = TG_TABLE_NAME || '_off_buildings',
                  TABLE = TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER courier_zone_off_buildings BEFORE INSERT OR UPDATE OF geom ON courier_zone
    FOR EACH ROW EXECUTE FUNCTION gridmap_zone_off_buildings();
CREATE TRIGGER layout_courier_zone_off_buildings BEFORE INSERT OR UPDATE OF geom ON layout_courier_zone
    FOR EACH ROW EXECUTE FUNCTION gridmap_zone_off_buildings();
CREATE TRIGGER layout_courier_zone_inside BEFORE INSERT OR UPDATE ON layout_courier_zone
    FOR EACH ROW EXECUTE FUNCTION gridmap_inside_jurisdiction();
CREATE TRIGGER layout_post_station_inside BEFORE INSERT OR UPDATE ON layout_post_station
    FOR EACH ROW EXECUTE FUNCTION gridmap_inside_jurisdiction();

CREATE INDEX layout_jurisdiction_idx ON layout (jurisdiction_id, status);
CREATE INDEX layout_grid_layout_idx ON layout_grid (layout_id);
CREATE INDEX layout_courier_zone_layout_idx ON layout_courier_zone (layout_id);
CREATE INDEX layout_post_station_layout_idx ON layout_post_station (layout_id);

SELECT gridmap_track_changes(t)
  FROM unnest(ARRAY['layout', 'layout_grid', 'layout_courier_zone', 'layout_post_station']) AS t;
