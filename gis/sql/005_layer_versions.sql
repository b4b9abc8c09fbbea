-- A version per layer and jurisdiction, bumped by every statement that changes the layer: what
-- tile URLs carry, read in O(1) instead of scanning the layer.
CREATE TABLE layer_version (
    jurisdiction_id integer NOT NULL REFERENCES jurisdiction (id) ON DELETE CASCADE,
    layer           text NOT NULL,
    version         bigint NOT NULL DEFAULT 1,
    changed_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (jurisdiction_id, layer)
);

CREATE FUNCTION gridmap_layer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE key text := CASE WHEN TG_TABLE_NAME = 'jurisdiction' THEN 'id' ELSE 'jurisdiction_id' END;
BEGIN
    EXECUTE format(
        'INSERT INTO layer_version AS v (jurisdiction_id, layer)
         SELECT DISTINCT r.%1$I, %2$L FROM %3$I r
          WHERE EXISTS (SELECT 1 FROM jurisdiction j WHERE j.id = r.%1$I)
         ON CONFLICT (jurisdiction_id, layer) DO UPDATE SET version = v.version + 1, changed_at = now()',
        key, TG_TABLE_NAME, CASE WHEN TG_OP = 'DELETE' THEN 'old_rows' ELSE 'new_rows' END);
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jurisdiction', 'compound', 'grid', 'building', 'courier_zone', 'post_station',
                             'candidate_site', 'street_node', 'street_edge'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed()', t || '_layer_ins', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed()',
                       t || '_layer_upd', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION gridmap_layer_changed()', t || '_layer_del', t);
    END LOOP;
END $$;
