-- A synthetic city for bench/city_bench.py: %(communities)s communities of 700 m × 700 m (Huamao's
-- 0.5 km²) side by side, 50 to a row, from (116.20, 39.75); each with 10 grids (2 × 5), 15
-- buildings a grid, a street lattice (9 × 9 lines), 2 workers who walk every working day of
-- %(days)s days and upload a GPS track each, and 25 streets walked a track.
-- Bulk load: the rules' triggers are off (session_replication_role = replica, set by the caller),
-- so what they would derive (grid of a building, ends and lengths of streets) is written here.
WITH c AS (
    SELECT i, 116.20 + (i %% 50) * 0.0082 AS x0, 39.75 + (i / 50) * 0.0063 AS y0
    FROM generate_series(0, %(communities)s - 1) i
)
INSERT INTO jurisdiction (slug, name, admin_code, metric_srid, households, population, office, geom, envelope)
SELECT 'city-' || lpad(i::text, 5, '0'), '社区 ' || i, '1101' || lpad(i::text, 8, '0'), 32650, 2250, 5000,
       ST_SetSRID(ST_MakePoint(x0 + 0.0041, y0 + 0.0031), 4326),
       ST_Multi(ST_MakeEnvelope(x0, y0, x0 + 0.0082, y0 + 0.0063, 4326)),
       ST_Multi(ST_MakeEnvelope(x0 - 1e-6, y0 - 1e-6, x0 + 0.0082 + 1e-6, y0 + 0.0063 + 1e-6, 4326))
FROM c;

INSERT INTO grid (jurisdiction_id, code, name, leader, target_households, geom)
SELECT j.id, j.admin_code || lpad((k + 1)::text, 3, '0'), '网格 ' || (k + 1), '网格长 ' || (k + 1), 225,
       ST_MakeEnvelope(ST_XMin(j.geom) + (k %% 2) * 0.0041, ST_YMin(j.geom) + (k / 2) * 0.00126,
                       ST_XMin(j.geom) + (k %% 2 + 1) * 0.0041, ST_YMin(j.geom) + (k / 2 + 1) * 0.00126, 4326)
FROM jurisdiction j, generate_series(0, 9) k
WHERE j.slug LIKE 'city-%%';

-- Written in spatial order (geohash, a Z-order curve), as gridmap's imports write rows (a Hilbert
-- curve, gis.store.spatial_order): neighbours share the table's pages.
INSERT INTO building (jurisdiction_id, grid_id, name, kind, floors, households, residents, geom)
SELECT * FROM (
    SELECT g.jurisdiction_id, g.id, '楼 ' || (b + 1), 'residential', 6, 15, 33,
           ST_Multi(ST_MakeEnvelope(ST_XMin(g.geom) + 0.0003 + (b %% 5) * 0.00075,
                                    ST_YMin(g.geom) + 0.0001 + (b / 5) * 0.00038,
                                    ST_XMin(g.geom) + 0.0006 + (b %% 5) * 0.00075,
                                    ST_YMin(g.geom) + 0.00024 + (b / 5) * 0.00038, 4326)) AS geom
    FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id, generate_series(0, 14) b
    WHERE j.slug LIKE 'city-%%') x
ORDER BY ST_GeoHash(ST_Centroid(x.geom));

-- The buildings' GeoJSON kept for items pages (020_building_feature_text.sql), as its trigger would.
INSERT INTO building_feature (id, feature)
SELECT b.id, gridmap_building_feature(b, j.slug)
FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id
WHERE j.slug LIKE 'city-%%';

-- The lattice: 9 × 9 nodes a community, an edge between neighbours (144 edges).
INSERT INTO street_node (jurisdiction_id, geom)
SELECT j.id, ST_SetSRID(ST_MakePoint(ST_XMin(j.geom) + a * 0.0082 / 8, ST_YMin(j.geom) + b * 0.0063 / 8), 4326)
FROM jurisdiction j, generate_series(0, 8) a, generate_series(0, 8) b
WHERE j.slug LIKE 'city-%%';

INSERT INTO street_edge (jurisdiction_id, source, target, name, highway, length_m, cost, reverse_cost, geom)
SELECT n1.jurisdiction_id, n1.id, n2.id, '路', 'residential', ST_Length(geography(ST_MakeLine(n1.geom, n2.geom))),
       ST_Length(geography(ST_MakeLine(n1.geom, n2.geom))), ST_Length(geography(ST_MakeLine(n1.geom, n2.geom))),
       ST_MakeLine(n1.geom, n2.geom)
FROM street_node n1
JOIN jurisdiction j ON j.id = n1.jurisdiction_id AND j.slug LIKE 'city-%%'
JOIN street_node n2 ON n2.jurisdiction_id = n1.jurisdiction_id
 AND ((abs(ST_X(n2.geom) - ST_X(n1.geom) - 0.0082 / 8) < 1e-9 AND abs(ST_Y(n2.geom) - ST_Y(n1.geom)) < 1e-9)
   OR (abs(ST_Y(n2.geom) - ST_Y(n1.geom) - 0.0063 / 8) < 1e-9 AND abs(ST_X(n2.geom) - ST_X(n1.geom)) < 1e-9));

INSERT INTO worker (jurisdiction_id, name, role)
SELECT j.id, '社工' || w, 'social_worker'
FROM jurisdiction j, generate_series(1, 2) w
WHERE j.slug LIKE 'city-%%';

-- A track a worker a working day: 100 GPS points along the community's rows of streets.
INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom)
SELECT w.jurisdiction_id, w.name, d::date, 100, 97,
       ST_Multi(ST_MakeLine(ARRAY(
           SELECT ST_SetSRID(ST_MakePoint(ST_XMin(j.geom) + (p %% 10) * 0.00082 + random() * 0.00005,
                                          ST_YMin(j.geom) + (p / 10) * 0.00063 + random() * 0.00005), 4326)
           FROM generate_series(0, 99) p)))
FROM worker w
JOIN jurisdiction j ON j.id = w.jurisdiction_id AND j.slug LIKE 'city-%%',
     generate_series(%(last_day)s::date - %(days)s + 1, %(last_day)s::date, interval '1 day') d
WHERE extract(isodow FROM d) < 6;

INSERT INTO patrol_walked (track_id, edge_id, walked_m)
SELECT t.id, e.id, e.length_m
FROM patrol_track t
JOIN jurisdiction j ON j.id = t.jurisdiction_id AND j.slug LIKE 'city-%%'
JOIN LATERAL (
    SELECT e.id, e.length_m FROM street_edge e
    WHERE e.jurisdiction_id = t.jurisdiction_id
    ORDER BY (e.id::bigint * 7919 + t.id::bigint * 104729) %% 144  -- a different 25 streets a track, no random() per row
    LIMIT 25
) e ON true;
