-- The buildings of a jurisdiction (of one grid only, when one is given) with their names and
-- addresses: to find one written another way (3#楼 for 3号楼).
SELECT id, name, address
  FROM building
 WHERE jurisdiction_id = %(jurisdiction_id)s AND (%(grid_id)s::int IS NULL OR grid_id = %(grid_id)s)
 ORDER BY id;
