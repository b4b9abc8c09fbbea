"""Vector tiles from ST_AsMVT, versioned so that an edit shows at once."""

from __future__ import annotations

import mapbox_vector_tile
import pytest

from gis import db
from gis.tiles import tile_of

# A tile outside the tile matrix (a zoom over the limit, an x or y outside the zoom's range) is
# invalid input (422), an unknown layer not found (404).
STATUS_Z = STATUS_XY = 422


def test_grid_tiles_and_versions(client, copy_of):
    slug = copy_of("huamao")
    tj = client.get("/tiles/grid.json", params={"jurisdiction": slug}).json()
    url = tj["tiles"][0]
    assert "{z}/{x}/{y}.mvt" in url and f"v={tj['version']}" in url
    x, y = tile_of(116.479, 39.910, 14)  # Huamao fits in one z14 tile
    r = client.get(f"/tiles/grid/14/{x}/{y}.mvt", params={"jurisdiction": slug, "v": tj["version"]})
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    # kept long, but by the browser only: what a tile holds depends on who asks
    assert r.headers["cache-control"] == "private, max-age=31536000, immutable"
    decoded = mapbox_vector_tile.decode(r.content)
    feats = decoded["grid"]["features"]
    assert sorted(f["properties"]["code"] for f in feats) == [f"110105015001{i:03d}" for i in range(1, 5)]
    # an edit changes the version, so the TileJSON names new tile URLs; old ones are not immutable
    g = client.get("/collections/grid/items", params={"jurisdiction": slug}).json()["features"][0]
    tag = client.get(f"/collections/grid/items/{g['id']}").headers["etag"]
    body = {"type": "Feature", "geometry": g["geometry"], "properties": {**g["properties"], "leader": "新网格长"}}
    body["properties"].pop("jurisdiction", None)
    body["properties"].pop("version", None)
    assert client.put(f"/collections/grid/items/{g['id']}", json=body, headers={"If-Match": tag}).status_code == 204
    after = client.get("/tiles/grid.json", params={"jurisdiction": slug}).json()
    assert after["version"] != tj["version"]
    stale = client.get(f"/tiles/grid/14/{x}/{y}.mvt", params={"jurisdiction": slug, "v": tj["version"]})
    assert stale.headers["cache-control"] == "private, no-cache"
    leaders = {f["properties"].get("leader") for f in mapbox_vector_tile.decode(stale.content)["grid"]["features"]}
    assert "新网格长" in leaders
    # far away: an empty tile
    fx, fy = tile_of(-70.0, -30.0, 14)
    assert client.get(f"/tiles/grid/14/{fx}/{fy}.mvt", params={"jurisdiction": slug}).content == b""


@pytest.mark.parametrize("path, status", [("/tiles/grid/30/0/0.mvt", STATUS_Z), ("/tiles/grid/3/8/0.mvt", STATUS_XY),
                                          ("/tiles/grid/3/-1/0.mvt", STATUS_XY), ("/tiles/nothing/3/1/1.mvt", 404)])
def test_bad_tiles(client, path, status):
    r = client.get(path)
    assert r.status_code == status and r.headers["content-type"].startswith("application/problem+json")


def test_buildings_tile_of_every_jurisdiction(client, conn):
    """A tile asked for without a jurisdiction holds the buildings of every one there: each
    building of any jurisdiction that lies in the tile, found here by PostGIS itself."""
    x, y = tile_of(116.479, 39.910, 15)
    data = client.get(f"/tiles/building/15/{x}/{y}.mvt").content
    got = {f["properties"]["id"] if "id" in f["properties"] else f["id"]
           for f in mapbox_vector_tile.decode(data)["building"]["features"]}
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM building WHERE "
                    "ST_Intersects(geom, ST_Transform(ST_TileEnvelope(15, %s, %s), 4326))", (x, y))
        inside = {r[0] for r in cur.fetchall()}
    assert inside and inside <= got  # every building in the tile is drawn (a few from the buffer may join)


def test_a_tile_not_modified_is_304_and_its_tag_follows_the_version_and_the_caller(client, copy_of, server,
                                                                                     make_user):
    import httpx

    slug = copy_of("huamao")
    x, y = tile_of(116.479, 39.910, 15)
    url, params = f"/tiles/building/15/{x}/{y}.mvt", {"jurisdiction": slug}
    first = client.get(url, params=params)
    tag = first.headers["etag"]
    again = client.get(url, params=params, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(url, params=params, headers={"If-None-Match": 'W/"other"'}).content == first.content
    # a grid worker's tile holds their grid's buildings only: another tag, never the leader's 304
    worker = make_user("worker", jurisdiction=slug, grid="110105015001001")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {worker}"}) as w:
        theirs = w.get(url, params=params, headers={"If-None-Match": tag})
        assert theirs.status_code == 200 and theirs.headers["etag"] != tag
    # an edit of the layer: the old tag gets the new tile
    b = client.get("/collections/building/items", params={"jurisdiction": slug, "limit": 1}).json()["features"][0]
    edit = {"type": "Feature", "geometry": b["geometry"], "properties": {"name": "改名楼"}}
    assert client.put(f"/collections/building/items/{b['id']}", json=edit, headers={
        "If-Match": client.get(f"/collections/building/items/{b['id']}").headers["etag"]}).status_code == 204
    changed = client.get(url, params=params, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag


def test_tiles_from_the_cache_follow_the_version_and_the_caller(settings, conn, copy_of, make_user, admin_token):
    """The same tile asked for again comes from the process's tile cache; an edit bumps the
    layer's version, and the next tile is made again with the edit; a grid worker and a leader
    asking for the same tile never get each other's."""
    import httpx

    from api.main import create_app
    from tests.conftest import serving

    slug = copy_of("huamao")
    worker = {"Authorization": f"Bearer {make_user('worker', jurisdiction=slug, grid='110105015001001')}"}
    leader = {"Authorization": f"Bearer {make_user('leader', jurisdiction=slug)}"}
    x, y = tile_of(116.479, 39.910, 15)
    url, params = f"/tiles/building/15/{x}/{y}.mvt", {"jurisdiction": slug}

    def names(c, headers) -> dict[int, str]:
        r = c.get(url, params=params, headers=headers)
        assert r.status_code == 200
        return {f["properties"]["id"]: f["properties"].get("name")
                for f in mapbox_vector_tile.decode(r.content)["building"]["features"]}

    app = create_app(settings)
    with serving(lambda port: app) as base, httpx.Client(base_url=base, timeout=30) as c:
        tiles = app.state.tiles
        everything = names(c, leader)
        assert names(c, leader) == everything and tiles.hits == 1  # the second time, from the cache
        # the worker asks for the tile the leader's is cached under the same z/x/y: their grid only
        theirs = names(c, worker)
        assert theirs and set(theirs) < set(everything)
        with db.transaction(conn) as cur:
            cur.execute("SELECT array_agg(b.id) FROM building b JOIN grid g ON g.id = b.grid_id "
                        "JOIN jurisdiction j ON j.id = b.jurisdiction_id "
                        "WHERE g.code = '110105015001001' AND j.slug = %s", (slug,))
            assert set(theirs) <= set(cur.fetchone()[0])
        assert names(c, worker) == theirs and names(c, leader) == everything and tiles.hits == 3
        # an edit: the version moves on, and the next tile is made again, with it
        some = next(iter(theirs))
        admin = {"Authorization": f"Bearer {admin_token}"}
        feature = c.get(f"/collections/building/items/{some}", headers=admin)
        body = {"type": "Feature", "geometry": feature.json()["geometry"], "properties": {"name": "改名楼"}}
        assert c.put(f"/collections/building/items/{some}", json=body,
                     headers={**admin, "If-Match": feature.headers["etag"]}).status_code == 204
        assert names(c, leader)[some] == names(c, worker)[some] == "改名楼"
        assert tiles.hits == 3  # both made again


def test_pages_of_items_from_the_cache_follow_the_version_and_the_caller(settings, copy_of, make_user, admin_token):
    """A page of items asked for again comes from the process's cache, for the same question
    only; an edit (of the layer, or of a jurisdiction: items name its slug) is in the next page;
    a grid worker never gets a leader's page."""
    import httpx

    from api.main import create_app
    from tests.conftest import serving

    slug = copy_of("huamao")
    worker = {"Authorization": f"Bearer {make_user('worker', jurisdiction=slug, grid='110105015001001')}"}
    leader = {"Authorization": f"Bearer {make_user('leader', jurisdiction=slug)}"}
    admin = {"Authorization": f"Bearer {admin_token}"}
    params = {"jurisdiction": slug, "limit": 500}

    def names(c, headers, **more) -> dict[int, str]:
        r = c.get("/collections/building/items", params={**params, **more}, headers=headers)
        assert r.status_code == 200
        return {f["id"]: f["properties"]["name"] for f in r.json()["features"]}

    app = create_app(settings)
    with serving(lambda port: app) as base, httpx.Client(base_url=base, timeout=30) as c:
        pages = app.state.pages
        everything = names(c, leader)
        assert names(c, leader) == everything and pages.hits == 1
        theirs = names(c, worker)
        assert theirs and set(theirs) < set(everything)
        # another question is another page: a filter, an offset, another CRS
        some = next(iter(theirs))
        assert set(names(c, leader, name=everything[some])) == {some}
        assert len(names(c, leader, offset=1)) == len(everything) - 1
        three = c.get("/collections/building/items", params={**params, "crs": "EPSG:3857"}, headers=leader).json()
        assert abs(three["features"][0]["geometry"]["coordinates"][0][0][0][0]) > 1e6  # metres, not degrees
        assert names(c, worker) == theirs and pages.hits == 2
        # an edit of the layer: the next page has it, for each caller
        feature = c.get(f"/collections/building/items/{some}", headers=admin)
        body = {"type": "Feature", "geometry": feature.json()["geometry"], "properties": {"name": "改名楼"}}
        assert c.put(f"/collections/building/items/{some}", json=body,
                     headers={**admin, "If-Match": feature.headers["etag"]}).status_code == 204
        assert names(c, leader)[some] == names(c, worker)[some] == "改名楼"
        # an edit of the jurisdiction (its slug is in every feature): the next page has it too
        hits = pages.hits
        tag = c.get(f"/jurisdictions/{slug}", headers=admin).headers["etag"]
        assert c.patch(f"/jurisdictions/{slug}", json={"name": "新名字"},
                       headers={**admin, "If-Match": tag}).status_code == 200
        names(c, leader)
        assert pages.hits == hits
