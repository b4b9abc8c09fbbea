-- A stored street split into pieces: what each walk walked along it shared among the pieces by
-- their length (it stayed on the first piece, which then looked walked when only the far half was,
-- and the others never). The new pieces first, from the walked metres as they were; then the first
-- piece keeps its share.
INSERT INTO patrol_walked (track_id, edge_id, walked_m)
SELECT w.track_id, p.id, w.walked_m * p.share
  FROM patrol_walked w, unnest(%(ids)s::integer[], %(shares)s::float8[]) AS p (id, share)
 WHERE w.edge_id = %(edge_id)s;
UPDATE patrol_walked SET walked_m = walked_m * %(first)s WHERE edge_id = %(edge_id)s;
