-- One Mapbox vector tile of a layer (features of a jurisdiction, or of all): geometry clipped to
-- the tile in Web Mercator, with the layer's properties. The columns are filled from the layer
-- registry, never from the request; buildings may be limited to one grid (a grid worker's).
WITH bounds AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS env),
mvt AS (
    SELECT ST_AsMVTGeom(ST_Transform(t.geom, 3857), bounds.env, 4096, 64, true) AS geom, t.id{columns}
    FROM {table} t, bounds
    WHERE t.geom && ST_Transform(bounds.env, 4326)
      AND (%(jurisdiction_id)s::integer IS NULL OR t.{key} = %(jurisdiction_id)s::integer){grid_filter}
)
SELECT ST_AsMVT(mvt.*, %(layer)s, 4096, 'geom') FROM mvt;
