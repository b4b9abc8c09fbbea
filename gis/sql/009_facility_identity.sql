-- Courier zones and post stations keep their identity across publishing, as grids keep their
-- codes: a draft's copy remembers the live feature it is (live_id), and publishing updates that
-- feature in place instead of deleting every one and inserting them anew (which changed every id
-- under whoever linked to them). No foreign key: the live feature may be gone by then, and a
-- copy whose live feature is gone is published as a new one.
ALTER TABLE layout_courier_zone ADD COLUMN live_id integer;
ALTER TABLE layout_post_station ADD COLUMN live_id integer;
UPDATE layout_courier_zone l SET live_id = c.id
  FROM layout y, courier_zone c
 WHERE y.id = l.layout_id AND y.status = 'published' AND c.jurisdiction_id = l.jurisdiction_id
   AND c.name = l.name AND ST_Equals(c.geom, l.geom);
UPDATE layout_post_station l SET live_id = s.id
  FROM layout y, post_station s
 WHERE y.id = l.layout_id AND y.status = 'published' AND s.jurisdiction_id = l.jurisdiction_id
   AND s.name = l.name AND ST_Equals(s.geom, l.geom);
