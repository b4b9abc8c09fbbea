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

-- Entrances kept before this rule that lie outside are dropped (the building's footprint stands
-- for it in walking distances, as for any building with none): they broke every distance.
UPDATE building b SET entrances = NULL
  FROM jurisdiction j
 WHERE j.id = b.jurisdiction_id AND b.entrances IS NOT NULL AND NOT ST_CoveredBy(b.entrances, j.envelope);

-- Nor may a boundary shrink away from the entrances of its buildings (as from its features).
CREATE FUNCTION gridmap_jurisdiction_keeps_entrances() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM building
     WHERE jurisdiction_id = NEW.id AND entrances IS NOT NULL AND NOT ST_CoveredBy(entrances, NEW.envelope);
    IF n > 0 THEN
        RAISE EXCEPTION 'the new boundary of % would leave % building entrance(s) outside it', NEW.slug, n
            USING ERRCODE = 'check_violation', TABLE = 'jurisdiction';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER jurisdiction_keeps_entrances AFTER UPDATE OF geom ON jurisdiction
    FOR EACH ROW EXECUTE FUNCTION gridmap_jurisdiction_keeps_entrances();
