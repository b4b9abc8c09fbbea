-- gridmap schema: every table carries jurisdiction_id (the future Citus distribution key) and a
-- geometry column named geom in EPSG:4326. Lengths and areas are computed in the jurisdiction's
-- metric CRS (metric_srid, its UTM zone) or on the spheroid.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;

CREATE TABLE jurisdiction (
    id            serial PRIMARY KEY,
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_-]{1,62}$'),
    name          text NOT NULL CHECK (length(name) > 0),
    admin_code    text CHECK (admin_code ~ '^[0-9]{12}$'),
    metric_srid   integer NOT NULL CHECK (metric_srid > 0),
    households    integer CHECK (households >= 0),
    population    integer CHECK (population >= 0),
    office        geometry(Point, 4326),
    geom          geometry(MultiPolygon, 4326) NOT NULL,
    -- geom grown by a small tolerance (see 002_rules.sql), used by the "inside" rules so that
    -- features computed from the boundary are not refused for floating-point noise.
    envelope      geometry(MultiPolygon, 4326),
    version       integer NOT NULL DEFAULT 1,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE compound (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    governance      text,
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE grid (
    id                serial PRIMARY KEY,
    jurisdiction_id   integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    code              text NOT NULL CHECK (code ~ '^[0-9]{15}$'),
    name              text,
    leader            text,
    target_households integer CHECK (target_households > 0),
    geom              geometry(Polygon, 4326) NOT NULL,
    version           integer NOT NULL DEFAULT 1,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (jurisdiction_id, code)
);

CREATE TABLE building (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    grid_id         integer REFERENCES grid (id) ON DELETE SET NULL,
    name            text,
    kind            text NOT NULL DEFAULT 'other' CHECK (kind IN (
                        'residential', 'office', 'apartment', 'hotel', 'mall', 'public', 'other')),
    floors          integer CHECK (floors > 0),
    households      integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    residents       integer NOT NULL DEFAULT 0 CHECK (residents >= 0),
    households_estimated boolean NOT NULL DEFAULT false,
    manager         text,
    osm_id          bigint,
    entrances       geometry(MultiPoint, 4326),
    geom            geometry(MultiPolygon, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE courier_zone (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    capacity        integer CHECK (capacity >= 0),
    hours           text,
    operator        text,
    geom            geometry(Polygon, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE post_station (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) > 0),
    kind            text NOT NULL CHECK (kind IN (
                        'building_station', 'service_centre', 'parcel_locker')),
    building_id     integer REFERENCES building (id) ON DELETE SET NULL,
    capacity        integer CHECK (capacity >= 0),
    hours           text,
    geom            geometry(Point, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Places an import found that could host a facility (OSM parking, parcel lockers, post offices).
CREATE TABLE candidate_site (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('parking', 'parcel_locker', 'post_office')),
    name            text,
    osm_id          bigint,
    geom            geometry(Point, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The walkable network, pgRouting-compatible (id, source, target, cost, reverse_cost).
-- Nodes are derived from edge end points by 002_rules.sql; nobody writes them directly.
CREATE TABLE street_node (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    geom            geometry(Point, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX street_node_point_key ON street_node (jurisdiction_id, ST_AsEWKB(geom));

CREATE TABLE street_edge (
    id              serial PRIMARY KEY,
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    source          integer REFERENCES street_node (id),
    target          integer REFERENCES street_node (id),
    name            text,
    highway         text,
    osm_id          bigint,
    length_m        double precision,
    cost            double precision,
    reverse_cost    double precision,
    geom            geometry(LineString, 4326) NOT NULL,
    version         integer NOT NULL DEFAULT 1,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Who changed what, when, with the row before and after (geometry as GeoJSON).
CREATE TABLE history (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    actor           text NOT NULL,
    table_name      text NOT NULL,
    feature_id      integer NOT NULL,
    jurisdiction_id integer,
    op              text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    before          jsonb,
    after           jsonb
);

CREATE INDEX jurisdiction_geom_idx ON jurisdiction USING gist (geom);
CREATE INDEX compound_geom_idx ON compound USING gist (geom);
CREATE INDEX grid_geom_idx ON grid USING gist (geom);
CREATE INDEX building_geom_idx ON building USING gist (geom);
CREATE INDEX courier_zone_geom_idx ON courier_zone USING gist (geom);
CREATE INDEX post_station_geom_idx ON post_station USING gist (geom);
CREATE INDEX candidate_site_geom_idx ON candidate_site USING gist (geom);
CREATE INDEX street_node_geom_idx ON street_node USING gist (geom);
CREATE INDEX street_edge_geom_idx ON street_edge USING gist (geom);
CREATE INDEX compound_jurisdiction_idx ON compound (jurisdiction_id);
CREATE INDEX grid_jurisdiction_idx ON grid (jurisdiction_id);
CREATE INDEX building_jurisdiction_idx ON building (jurisdiction_id);
CREATE INDEX building_grid_idx ON building (grid_id);
CREATE INDEX courier_zone_jurisdiction_idx ON courier_zone (jurisdiction_id);
CREATE INDEX post_station_jurisdiction_idx ON post_station (jurisdiction_id);
CREATE INDEX candidate_site_jurisdiction_idx ON candidate_site (jurisdiction_id);
CREATE INDEX street_node_jurisdiction_idx ON street_node (jurisdiction_id);
CREATE INDEX street_edge_jurisdiction_idx ON street_edge (jurisdiction_id);
CREATE INDEX street_edge_source_idx ON street_edge (source);
CREATE INDEX street_edge_target_idx ON street_edge (target);
CREATE INDEX history_feature_idx ON history (table_name, feature_id);
CREATE INDEX history_jurisdiction_idx ON history (jurisdiction_id, at);
