-- Rules the database keeps by itself, so that a planner editing straight from QGIS cannot break
-- them either: valid non-empty geometry, features inside their jurisdiction, no overlapping grids,
-- building -> grid derived from location, a routable street topology, versions for ETags and a
-- history of every change. Violations raise SQLSTATE 23514 (check_violation) with the rule named
-- as the constraint, which the API turns into a 422.

-- Valid, non-empty geometry on every table.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdiction', 'compound', 'grid', 'building', 'courier_zone',
                             'post_station', 'candidate_site', 'street_node', 'street_edge'] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom))',
                       t, t || '_geom_valid');
    END LOOP;
END $$;
ALTER TABLE building ADD CONSTRAINT building_entrances_valid
    CHECK (entrances IS NULL OR NOT ST_IsEmpty(entrances));
ALTER TABLE jurisdiction ADD CONSTRAINT jurisdiction_office_inside
    CHECK (office IS NULL OR ST_CoveredBy(office, envelope));

-- How far outside its boundary a feature may stick out (floating-point noise), in metres.
CREATE FUNCTION gridmap_boundary_tolerance_m() RETURNS double precision
    LANGUAGE sql IMMUTABLE AS 'SELECT 0.5::double precision';
-- How far from the boundary a street may run and still belong to the jurisdiction's network.
CREATE FUNCTION gridmap_street_margin_m() RETURNS double precision
    LANGUAGE sql IMMUTABLE AS 'SELECT 300.0::double precision';
-- Grid overlaps smaller than this (m²) are noise, not overlaps.
CREATE FUNCTION gridmap_overlap_tolerance_m2() RETURNS double precision
    LANGUAGE sql IMMUTABLE AS 'SELECT 1.0::double precision';

CREATE FUNCTION gridmap_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('gridmap.actor', true), ''), session_user::text)
$$;

-- jurisdiction: keep the tolerant envelope in step with the boundary.
CREATE FUNCTION gridmap_jurisdiction_envelope() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.envelope := ST_Multi(ST_Transform(
        ST_Buffer(ST_Transform(NEW.geom, NEW.metric_srid), gridmap_boundary_tolerance_m()), 4326));
    RETURN NEW;
END $$;
CREATE TRIGGER jurisdiction_envelope BEFORE INSERT OR UPDATE OF geom, metric_srid ON jurisdiction
    FOR EACH ROW EXECUTE FUNCTION gridmap_jurisdiction_envelope();

-- A jurisdiction's boundary may not shrink away from features it already holds.
CREATE FUNCTION gridmap_jurisdiction_keeps_features() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE t text; n bigint;
BEGIN
    FOREACH t IN ARRAY ARRAY['compound', 'grid', 'building', 'courier_zone', 'post_station',
                             'candidate_site'] LOOP
        EXECUTE format('SELECT count(*) FROM %I WHERE jurisdiction_id = $1 AND NOT ST_CoveredBy(geom, $2)', t)
            INTO n USING NEW.id, NEW.envelope;
        IF n > 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                CONSTRAINT = 'jurisdiction_keeps_features', TABLE = 'jurisdiction',
                MESSAGE = format('the new boundary of %s would leave %s %s feature(s) outside it',
                                 NEW.slug, n, t);
        END IF;
    END LOOP;
    RETURN NEW;
END $$;
CREATE TRIGGER jurisdiction_keeps_features AFTER UPDATE OF geom ON jurisdiction
    FOR EACH ROW EXECUTE FUNCTION gridmap_jurisdiction_keeps_features();

-- Version and timestamp for optimistic concurrency (ETag / If-Match).
CREATE FUNCTION gridmap_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    RETURN NEW;
END $$;

-- Features must lie inside their jurisdiction (within the tolerance).
CREATE FUNCTION gridmap_inside_jurisdiction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM jurisdiction j
                   WHERE j.id = NEW.jurisdiction_id AND ST_CoveredBy(NEW.geom, j.envelope)) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            CONSTRAINT = TG_TABLE_NAME || '_inside_jurisdiction', TABLE = TG_TABLE_NAME,
            MESSAGE = format('%s %s lies outside its jurisdiction', TG_TABLE_NAME,
                             coalesce(quote_literal(to_jsonb(NEW) ->> 'name'), '(unnamed)'));
    END IF;
    RETURN NEW;
END $$;

-- Streets may run along and just outside the boundary, not anywhere.
CREATE FUNCTION gridmap_street_edge_prepare() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE p geometry; nid integer; i integer;
BEGIN
    NEW.geom := ST_SnapToGrid(NEW.geom, 1e-7);
    IF ST_IsEmpty(NEW.geom) OR ST_NPoints(NEW.geom) < 2 OR ST_Length(NEW.geom) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'street_edge_length',
            TABLE = 'street_edge', MESSAGE = 'street edge has zero length';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM jurisdiction j WHERE j.id = NEW.jurisdiction_id
                   AND ST_DWithin(NEW.geom::geography, j.geom::geography, gridmap_street_margin_m())) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            CONSTRAINT = 'street_edge_inside_jurisdiction', TABLE = 'street_edge',
            MESSAGE = format('street edge %s lies more than %s m from its jurisdiction',
                             coalesce(quote_literal(NEW.name), '(unnamed)'), gridmap_street_margin_m());
    END IF;
    NEW.length_m := ST_Length(NEW.geom::geography);
    NEW.cost := NEW.length_m;
    NEW.reverse_cost := NEW.length_m;
    -- source / target: the node at each end point, created when it does not exist yet.
    FOR i IN 1..2 LOOP
        p := CASE i WHEN 1 THEN ST_StartPoint(NEW.geom) ELSE ST_EndPoint(NEW.geom) END;
        INSERT INTO street_node (jurisdiction_id, geom) VALUES (NEW.jurisdiction_id, p)
            ON CONFLICT (jurisdiction_id, ST_AsEWKB(geom)) DO NOTHING RETURNING id INTO nid;
        IF nid IS NULL THEN
            SELECT id INTO nid FROM street_node
             WHERE jurisdiction_id = NEW.jurisdiction_id AND ST_AsEWKB(geom) = ST_AsEWKB(p);
        END IF;
        IF i = 1 THEN NEW.source := nid; ELSE NEW.target := nid; END IF;
    END LOOP;
    RETURN NEW;
END $$;

-- Nodes no edge uses any more go.
CREATE FUNCTION gridmap_street_node_prune() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM street_node n
     WHERE n.id IN (SELECT source FROM old_rows UNION SELECT target FROM old_rows)
       AND NOT EXISTS (SELECT 1 FROM street_edge e WHERE e.source = n.id OR e.target = n.id);
    RETURN NULL;
END $$;

-- The grid a building belongs to: the grid of the same jurisdiction holding a point on its surface.
CREATE FUNCTION gridmap_grid_of(jid integer, g geometry) RETURNS integer
    LANGUAGE sql STABLE AS $$
    SELECT id FROM grid
     WHERE jurisdiction_id = jid AND ST_Intersects(geom, ST_PointOnSurface(g))
     ORDER BY id LIMIT 1
$$;

CREATE FUNCTION gridmap_building_grid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.grid_id := gridmap_grid_of(NEW.jurisdiction_id, NEW.geom);
    RETURN NEW;
END $$;

-- When grids change, the buildings of the jurisdictions touched are re-derived.
CREATE FUNCTION gridmap_regrid_buildings() RETURNS trigger LANGUAGE plpgsql AS $$
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
    UPDATE building b SET grid_id = NULL  -- the row trigger above derives the real value
     WHERE b.jurisdiction_id = ANY (jids)
       AND b.grid_id IS DISTINCT FROM gridmap_grid_of(b.jurisdiction_id, b.geom);
    RETURN NULL;
END $$;

-- Grids of one jurisdiction may not overlap. Checked at commit, so that an edit moving a shared
-- boundary can update both neighbours in one transaction.
CREATE FUNCTION gridmap_grid_no_overlap() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE other text; me grid;
BEGIN
    SELECT * INTO me FROM grid WHERE id = NEW.id;
    IF NOT FOUND THEN RETURN NULL; END IF;
    SELECT g.code INTO other FROM grid g
     WHERE g.jurisdiction_id = me.jurisdiction_id AND g.id <> me.id
       AND g.geom && me.geom AND ST_Relate(g.geom, me.geom, '2********')
       AND ST_Area(ST_Intersection(g.geom, me.geom)::geography) > gridmap_overlap_tolerance_m2()
     ORDER BY g.code LIMIT 1;
    IF other IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'grid_no_overlap',
            TABLE = 'grid', MESSAGE = format('grid %s overlaps grid %s', me.code, other);
    END IF;
    RETURN NULL;
END $$;

-- History: one row per changed feature, written per statement from the transition tables.
CREATE FUNCTION gridmap_row_json(r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
    SELECT (r - 'geom' - 'envelope' - 'office' - 'entrances')
        || jsonb_build_object('geom', ST_AsGeoJSON((r ->> 'geom')::geometry, 7)::jsonb)
        || CASE WHEN r ? 'office' THEN jsonb_build_object(
               'office', ST_AsGeoJSON((r ->> 'office')::geometry, 7)::jsonb) ELSE '{}' END
        || CASE WHEN r ? 'entrances' THEN jsonb_build_object(
               'entrances', ST_AsGeoJSON((r ->> 'entrances')::geometry, 7)::jsonb) ELSE '{}' END
$$;

CREATE FUNCTION gridmap_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, (j ->> 'id')::int,
               coalesce((j ->> 'jurisdiction_id')::int, (j ->> 'id')::int), 'insert', NULL,
               gridmap_row_json(j)
          FROM (SELECT to_jsonb(n) AS j FROM new_rows n) s;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, (nj ->> 'id')::int,
               coalesce((nj ->> 'jurisdiction_id')::int, (nj ->> 'id')::int), 'update',
               gridmap_row_json(oj), gridmap_row_json(nj)
          FROM (SELECT to_jsonb(o) AS oj, to_jsonb(n) AS nj FROM old_rows o JOIN new_rows n USING (id)) s;
    ELSE
        INSERT INTO history (actor, table_name, feature_id, jurisdiction_id, op, before, after)
        SELECT gridmap_actor(), TG_TABLE_NAME, (j ->> 'id')::int,
               coalesce((j ->> 'jurisdiction_id')::int, (j ->> 'id')::int), 'delete',
               gridmap_row_json(j), NULL
          FROM (SELECT to_jsonb(o) AS j FROM old_rows o) s;
    END IF;
    RETURN NULL;
END $$;

-- Attach the rules.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdiction', 'compound', 'grid', 'building', 'courier_zone',
                             'post_station', 'candidate_site', 'street_node', 'street_edge'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION gridmap_bump_version()', t || '_version', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['compound', 'grid', 'building', 'courier_zone', 'post_station',
                             'candidate_site'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I FOR EACH ROW '
                       'EXECUTE FUNCTION gridmap_inside_jurisdiction()', t || '_inside', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['jurisdiction', 'compound', 'grid', 'building', 'courier_zone',
                             'post_station', 'candidate_site', 'street_edge'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()', t || '_history_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()',
                       t || '_history_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_history()', t || '_history_del', t);
    END LOOP;
END $$;

CREATE TRIGGER street_edge_prepare BEFORE INSERT OR UPDATE OF geom, jurisdiction_id ON street_edge
    FOR EACH ROW EXECUTE FUNCTION gridmap_street_edge_prepare();
CREATE TRIGGER street_edge_prune_upd AFTER UPDATE ON street_edge REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_street_node_prune();
CREATE TRIGGER street_edge_prune_del AFTER DELETE ON street_edge REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_street_node_prune();

CREATE TRIGGER building_grid BEFORE INSERT OR UPDATE ON building
    FOR EACH ROW EXECUTE FUNCTION gridmap_building_grid();
CREATE TRIGGER grid_regrid_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_buildings();
CREATE TRIGGER grid_regrid_upd AFTER UPDATE ON grid REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_buildings();
CREATE TRIGGER grid_regrid_del AFTER DELETE ON grid REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid_buildings();
CREATE CONSTRAINT TRIGGER grid_no_overlap AFTER INSERT OR UPDATE ON grid
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION gridmap_grid_no_overlap();
