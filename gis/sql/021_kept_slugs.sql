-- Slugs the API's paths take for themselves (GET /jurisdictions/kpi, the communities compared):
-- no jurisdiction may have one, whoever writes it (gridmap refuses it first, by name; this keeps
-- psql, QGIS and a restored dump from making one the API could no longer read).
ALTER TABLE jurisdiction ADD CONSTRAINT jurisdiction_slug_kept CHECK (slug NOT IN ('kpi'));
