-- Each building's GeoJSON Feature as an items page sends it (CRS84, 7 decimals), kept as text so
-- that a page of 100 buildings joins 100 texts instead of writing each again: writing them was
-- half of PostgreSQL's time for a page (bench/RESULTS.md, "Serving levers"). Only the building
-- layer keeps one: the others are small enough that a page of them costs little.
--
-- The text is what gis.store composes for a building (_feature_text): the same members in the
-- same order; tests/test_feature_text.py compares the two for every building, so a column added
-- to building without a new version of this function fails there.
CREATE FUNCTION gridmap_building_feature(t building, slug text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT '{"type": "Feature", "id": ' || t.id || ', "geometry": ' || coalesce(ST_AsGeoJSON(t.geom, 7), 'null')
           || ', "properties": ' || json_build_object(
               'jurisdiction', slug, 'name', t.name, 'kind', t.kind, 'floors', t.floors,
               'households', t.households, 'residents', t.residents, 'manager', t.manager,
               'address', t.address, 'households_estimated', t.households_estimated, 'osm_id', t.osm_id,
               'entrances', ST_AsText(t.entrances), 'grid_id', t.grid_id, 'version', t.version)::text
           || '}'
$$;

CREATE TABLE building_feature (
    id      integer PRIMARY KEY REFERENCES building (id) ON DELETE CASCADE,
    feature text NOT NULL
);

-- Kept by each statement that writes buildings (once a statement, not once a row), the regridding
-- that moves them between grids included; a jurisdiction's new slug is written into its
-- buildings' texts. Deleted with the building (the foreign key). A write with the triggers off
-- (session_replication_role = replica) keeps nothing: a missing text is written by the page
-- itself, but a text left stale by such an UPDATE is not noticed.
CREATE FUNCTION gridmap_keep_building_feature() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO building_feature (id, feature)
    SELECT t.id, gridmap_building_feature(t, j.slug)
      FROM new_rows t JOIN jurisdiction j ON j.id = t.jurisdiction_id
    ON CONFLICT (id) DO UPDATE SET feature = EXCLUDED.feature;
    RETURN NULL;
END $$;

CREATE TRIGGER building_feature_ins AFTER INSERT ON building REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_keep_building_feature();
CREATE TRIGGER building_feature_upd AFTER UPDATE ON building REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_keep_building_feature();

CREATE FUNCTION gridmap_building_feature_slug() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- The buildings locked first: a building written meanwhile by another transaction is then
    -- either waited for (and read as committed by the next statement) or waits for this one (and
    -- its own trigger reads the new slug); neither leaves the old slug or old properties behind.
    PERFORM 1 FROM building WHERE jurisdiction_id = NEW.id FOR SHARE;
    UPDATE building_feature f SET feature = gridmap_building_feature(b, NEW.slug)
      FROM building b WHERE b.jurisdiction_id = NEW.id AND f.id = b.id;
    RETURN NULL;
END $$;

CREATE TRIGGER jurisdiction_building_feature AFTER UPDATE OF slug ON jurisdiction
    FOR EACH ROW WHEN (OLD.slug IS DISTINCT FROM NEW.slug) EXECUTE FUNCTION gridmap_building_feature_slug();

INSERT INTO building_feature (id, feature)
SELECT b.id, gridmap_building_feature(b, j.slug) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id;
ANALYZE building_feature;
