-- How far a point is from the nearest street of a jurisdiction, in metres (NULL: it has none).
SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_Point(%(lon)s, %(lat)s), 4326)::geography))
  FROM street_edge
 WHERE jurisdiction_id = %(jurisdiction_id)s;
