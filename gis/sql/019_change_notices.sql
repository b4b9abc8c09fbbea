-- A server process remembers, between requests, who holds a token and the versions of the layers
-- (gis.read_memo), so that a tile or a page already made is sent without asking the database
-- anything. It forgets all of it when it hears of a change to what that answer is read from:
-- every statement that changes a token, a user, a jurisdiction, a grid or a layer's version
-- notifies the channel gridmap_change at its commit (one notice per transaction: PostgreSQL
-- folds equal notices of one transaction into one). Nothing is notified by a rolled-back one.
CREATE FUNCTION gridmap_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('gridmap_change', '');
    RETURN NULL;
END $$;

CREATE TRIGGER api_token_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON api_token
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change();
CREATE TRIGGER app_user_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app_user
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change();
CREATE TRIGGER jurisdiction_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON jurisdiction
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change();
CREATE TRIGGER grid_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grid
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change();
CREATE TRIGGER layer_version_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON layer_version
    FOR EACH STATEMENT EXECUTE FUNCTION gridmap_notify_change();
