-- 占道经营 (street vending, a shop's goods out on the pavement): among the commonest problems a grid
-- worker finds in the street; it had no category, was filed under 其他 and went to the community
-- committee instead of 城管执法队. Every jurisdiction has it, new ones from their first day.
CREATE FUNCTION gridmap_seed_street_vending(jid integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO case_category (jurisdiction_id, code, name_zh, name_en, department_id, response_hours,
                               red_hours, yellow_hours, blue_hours)
    SELECT jid, 'street_vending', '占道经营', 'Street vending, goods on the pavement', d.id, 2, 4, 24, 72
      FROM department d WHERE d.jurisdiction_id = jid AND d.code = 'urban_management'
    ON CONFLICT (jurisdiction_id, code) DO NOTHING
$$;

CREATE OR REPLACE FUNCTION gridmap_jurisdiction_case_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM gridmap_seed_case_catalogue(NEW.id);
    PERFORM gridmap_seed_street_vending(NEW.id);
    RETURN NULL;
END $$;
SELECT gridmap_seed_street_vending(id) FROM jurisdiction;
