-- One function re-derives the grid of what lies in grids (buildings, cases) when grids change:
-- gridmap_regrid_buildings and gridmap_regrid_cases were the same function but for the table.
-- The table is the trigger's argument.
CREATE FUNCTION gridmap_regrid() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- grid_id set to NULL: the table's row trigger derives the real value
    EXECUTE format('UPDATE %I t SET grid_id = NULL
                     WHERE t.jurisdiction_id = ANY ($1) AND t.geom IS NOT NULL
                       AND t.grid_id IS DISTINCT FROM gridmap_grid_of(t.jurisdiction_id, t.geom)', TG_ARGV[0])
      USING jids;
    RETURN NULL;
END $$;

DROP TRIGGER grid_regrid_ins ON grid;
DROP TRIGGER grid_regrid_upd ON grid;
DROP TRIGGER grid_regrid_del ON grid;
DROP TRIGGER grid_regrid_cases_ins ON grid;
DROP TRIGGER grid_regrid_cases_upd ON grid;
DROP TRIGGER grid_regrid_cases_del ON grid;
DROP FUNCTION gridmap_regrid_buildings();
DROP FUNCTION gridmap_regrid_cases();

-- Statement triggers of one event fire in the order of their names: buildings, then cases.
CREATE TRIGGER grid_regrid_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('building');
CREATE TRIGGER grid_regrid_upd AFTER UPDATE ON grid REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('building');
CREATE TRIGGER grid_regrid_del AFTER DELETE ON grid REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('building');
CREATE TRIGGER grid_regrid_cases_ins AFTER INSERT ON grid REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('case_record');
CREATE TRIGGER grid_regrid_cases_upd AFTER UPDATE ON grid REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('case_record');
CREATE TRIGGER grid_regrid_cases_del AFTER DELETE ON grid REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_regrid('case_record');
