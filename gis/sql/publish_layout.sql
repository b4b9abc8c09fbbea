-- Write a draft layout into the live tables of its jurisdiction. Grids are matched by code, zones
-- and stations by the live feature each copy came from: ids, and what refers to them, stay.
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

-- Zones and stations: each draft copy updates the live feature it was copied from (live_id); live
-- features the draft no longer has are deleted; copies with no live feature are inserted, with ids
-- taken first so that the draft (now the published layout) remembers them.
DELETE FROM courier_zone c
 WHERE c.jurisdiction_id = %(jurisdiction_id)s
   AND NOT EXISTS (SELECT 1 FROM layout_courier_zone l WHERE l.layout_id = %(layout_id)s AND l.live_id = c.id);

UPDATE courier_zone c
   SET name = l.name, capacity = l.capacity, hours = l.hours, operator = l.operator, geom = l.geom
  FROM layout_courier_zone l
 WHERE l.layout_id = %(layout_id)s AND c.id = l.live_id AND c.jurisdiction_id = %(jurisdiction_id)s
   AND (NOT ST_Equals(c.geom, l.geom) OR c.name IS DISTINCT FROM l.name OR c.capacity IS DISTINCT FROM l.capacity
        OR c.hours IS DISTINCT FROM l.hours OR c.operator IS DISTINCT FROM l.operator);

UPDATE layout_courier_zone l SET live_id = nextval(pg_get_serial_sequence('courier_zone', 'id'))
 WHERE l.layout_id = %(layout_id)s
   AND NOT EXISTS (SELECT 1 FROM courier_zone c WHERE c.id = l.live_id AND c.jurisdiction_id = %(jurisdiction_id)s);

INSERT INTO courier_zone (id, jurisdiction_id, name, capacity, hours, operator, geom)
SELECT l.live_id, l.jurisdiction_id, l.name, l.capacity, l.hours, l.operator, l.geom
  FROM layout_courier_zone l
 WHERE l.layout_id = %(layout_id)s AND NOT EXISTS (SELECT 1 FROM courier_zone c WHERE c.id = l.live_id);

DELETE FROM post_station s
 WHERE s.jurisdiction_id = %(jurisdiction_id)s
   AND NOT EXISTS (SELECT 1 FROM layout_post_station l WHERE l.layout_id = %(layout_id)s AND l.live_id = s.id);

UPDATE post_station s
   SET name = l.name, kind = l.kind, building_id = l.building_id, capacity = l.capacity, hours = l.hours,
       geom = l.geom
  FROM layout_post_station l
 WHERE l.layout_id = %(layout_id)s AND s.id = l.live_id AND s.jurisdiction_id = %(jurisdiction_id)s
   AND (NOT ST_Equals(s.geom, l.geom) OR s.name IS DISTINCT FROM l.name OR s.kind IS DISTINCT FROM l.kind
        OR s.building_id IS DISTINCT FROM l.building_id OR s.capacity IS DISTINCT FROM l.capacity
        OR s.hours IS DISTINCT FROM l.hours);

UPDATE layout_post_station l SET live_id = nextval(pg_get_serial_sequence('post_station', 'id'))
 WHERE l.layout_id = %(layout_id)s
   AND NOT EXISTS (SELECT 1 FROM post_station s WHERE s.id = l.live_id AND s.jurisdiction_id = %(jurisdiction_id)s);

INSERT INTO post_station (id, jurisdiction_id, name, kind, building_id, capacity, hours, geom)
SELECT l.live_id, l.jurisdiction_id, l.name, l.kind, l.building_id, l.capacity, l.hours, l.geom
  FROM layout_post_station l
 WHERE l.layout_id = %(layout_id)s AND NOT EXISTS (SELECT 1 FROM post_station s WHERE s.id = l.live_id);
