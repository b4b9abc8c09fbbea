-- What is recorded against a jurisdiction's buildings (that deleting them would lose): check-ins,
-- cases placed at a building, post stations in one (live and in drafts). One row per kind, with
-- how many.
WITH b AS (SELECT id FROM building WHERE jurisdiction_id = %(jurisdiction_id)s)
SELECT 'visits', count(*) FROM visit WHERE building_id IN (SELECT id FROM b)
UNION ALL
SELECT 'cases', count(*) FROM case_record WHERE building_id IN (SELECT id FROM b)
UNION ALL
SELECT 'post_stations', count(*) FROM post_station WHERE building_id IN (SELECT id FROM b)
UNION ALL
SELECT 'draft_post_stations', count(*) FROM layout_post_station WHERE building_id IN (SELECT id FROM b);
