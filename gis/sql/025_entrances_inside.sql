-- A building's entrances lie inside its jurisdiction (within the boundary's tolerance), as the
-- building does: an entrance typed as MULTIPOINT(…, 200 200) was kept, then every walking
-- distance of the jurisdiction (coverage, siting, visits) failed on it until it was deleted.
CREATE FUNCTION gridmap_entrances_inside_jurisdiction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.entrances IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM jurisdiction j
             WHERE j.id = NEW.jurisdiction_id AND ST_CoveredBy(NEW.entrances, j.envelope)) THEN
        RAISE EXCEPTION 'building % has an entrance outside its jurisdiction',
            coalesce(quote_literal(NEW.name), '(unnamed)')
            USING ERRCODE = 'check_violation', TABLE = 'building';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER building_entrances_inside BEFORE INSERT OR UPDATE OF entrances, jurisdiction_id ON building
    FOR EACH ROW EXECUTE FUNCTION gridmap_entrances_inside_jurisdiction();
