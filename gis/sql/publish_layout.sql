-- Write a draft layout into the live tables of its jurisdiction. Grids are matched by code (ids,
-- and what refers to them, stay); zones and stations are replaced by the draft's.
DELETE FROM grid g
 WHERE g.jurisdiction_id = %(jurisdiction_id)s
   AND NOT EXISTS (SELECT 1 FROM layout_grid l WHERE l.layout_id = %(layout_id)s AND l.code = g.code);

UPDATE grid g
   SET name = l.name, leader = l.leader, target_households = l.target_households, geom = l.geom
  FROM layout_grid l
 WHERE l.layout_id = %(layout_id)s AND g.jurisdiction_id = %(jurisdiction_id)s AND g.code = l.code
   AND (NOT ST_Equals(g.geom, l.geom) OR g.name IS DISTINCT FROM l.name
        OR g.leader IS DISTINCT FROM l.leader OR g.target_households IS DISTINCT FROM l.target_households);

INSERT INTO grid (jurisdiction_id, code, name, leader, target_households, geom)
SELECT l.jurisdiction_id, l.code, l.name, l.leader, l.target_households, l.geom
  FROM layout_grid l
 WHERE l.layout_id = %(layout_id)s
   AND NOT EXISTS (SELECT 1 FROM grid g WHERE g.jurisdiction_id = %(jurisdiction_id)s AND g.code = l.code);

DELETE FROM courier_zone WHERE jurisdiction_id = %(jurisdiction_id)s;
INSERT INTO courier_zone (jurisdiction_id, name, capacity, hours, operator, geom)
SELECT jurisdiction_id, name, capacity, hours, operator, geom FROM layout_courier_zone
 WHERE layout_id = %(layout_id)s;

DELETE FROM post_station WHERE jurisdiction_id = %(jurisdiction_id)s;
INSERT INTO post_station (jurisdiction_id, name, kind, building_id, capacity, hours, geom)
SELECT jurisdiction_id, name, kind, building_id, capacity, hours, geom FROM layout_post_station
 WHERE layout_id = %(layout_id)s;
