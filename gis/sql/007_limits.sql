-- Limits that are rules of the data, kept by the database like the others (see gis/limits.py,
-- which holds the same numbers for the edges, and a test that checks they agree): text lengths,
-- vertices per geometry, points per GPS track, and the days tracks and check-ins may be dated.
-- Constraints are named <table>_<column>_<kind>, kind one of chars, vertices, points, day_range,
-- which gis/db.py turns into a message naming the column and the limit.

CREATE FUNCTION gridmap_limit_vertices() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 10000';
CREATE FUNCTION gridmap_limit_name_chars() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 200';
CREATE FUNCTION gridmap_limit_note_chars() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 2000';
CREATE FUNCTION gridmap_limit_track_points() RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT 20000';
CREATE FUNCTION gridmap_limit_earliest_day() RETURNS date LANGUAGE sql IMMUTABLE AS $$SELECT date '2000-01-01'$$;
CREATE FUNCTION gridmap_limit_latest_day() RETURNS date LANGUAGE sql IMMUTABLE AS $$SELECT date '2099-12-31'$$;

DO $$
DECLARE
    item text[];
BEGIN
    -- Short text: names, leaders, operators, opening hours, who walked or visited.
    FOREACH item SLICE 1 IN ARRAY ARRAY[
        ['jurisdiction', 'name'], ['compound', 'name'], ['grid', 'name'], ['grid', 'leader'],
        ['building', 'name'], ['building', 'manager'], ['courier_zone', 'name'], ['courier_zone', 'hours'],
        ['courier_zone', 'operator'], ['post_station', 'name'], ['post_station', 'hours'],
        ['candidate_site', 'name'], ['street_edge', 'name'], ['street_edge', 'highway'],
        ['worker', 'name'], ['patrol_track', 'worker'], ['visit', 'worker'], ['layout', 'name'],
        ['layout_grid', 'name'], ['layout_grid', 'leader'], ['layout_courier_zone', 'name'],
        ['layout_courier_zone', 'hours'], ['layout_courier_zone', 'operator'],
        ['layout_post_station', 'name'], ['layout_post_station', 'hours'],
        ['app_user', 'display_name'], ['api_token', 'label']] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (char_length(%I) <= gridmap_limit_name_chars())',
                       item[1], item[1] || '_' || item[2] || '_chars', item[2]);
    END LOOP;
    -- Notes.
    FOREACH item SLICE 1 IN ARRAY ARRAY[['compound', 'governance'], ['visit', 'note']] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (char_length(%I) <= gridmap_limit_note_chars())',
                       item[1], item[1] || '_' || item[2] || '_chars', item[2]);
    END LOOP;
    -- Vertices of a feature's geometry (points hold one; a boundary's envelope is derived).
    FOREACH item SLICE 1 IN ARRAY ARRAY[
        ['jurisdiction', 'geom'], ['compound', 'geom'], ['grid', 'geom'], ['building', 'geom'],
        ['building', 'entrances'], ['courier_zone', 'geom'], ['street_edge', 'geom'],
        ['layout_grid', 'geom'], ['layout_courier_zone', 'geom']] LOOP
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (ST_NPoints(%I) <= gridmap_limit_vertices())',
                       item[1], item[1] || '_' || item[2] || '_vertices', item[2]);
    END LOOP;
END $$;

ALTER TABLE patrol_track ADD CONSTRAINT patrol_track_geom_points
    CHECK (ST_NPoints(geom) <= gridmap_limit_track_points() AND points <= gridmap_limit_track_points());
ALTER TABLE patrol_track ADD CONSTRAINT patrol_track_day_range
    CHECK (day BETWEEN gridmap_limit_earliest_day() AND gridmap_limit_latest_day());
ALTER TABLE visit ADD CONSTRAINT visit_day_range
    CHECK (day BETWEEN gridmap_limit_earliest_day() AND gridmap_limit_latest_day());
