"""A tile already made is sent before routing (api.cached_tiles) only when the route would send
the same: the same bytes and headers, the same refusals, a grid worker's tile never a leader's."""

from __future__ import annotations

import httpx
import pytest

from api.main import create_app
from gis.users import token_key
from tests.conftest import serving, settled

TILE = "/tiles/building/15/26986/12415.mvt"  # over Huamao's buildings
SAME = ("content-type", "etag", "cache-control", "vary", "content-security-policy", "x-content-type-options")


@pytest.fixture(scope="module")
def served(settings):
    app = create_app(settings)
    with serving(lambda port: app) as url:
        assert app.state.listener.listening(10)
        yield app, url


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def early(app) -> int:
    return app.state.tiles_sent_early


def test_a_tile_sent_early_is_the_routes_answer(served, auth, copy_of):
    app, url = served
    slug = copy_of("huamao")
    settled(app)
    with httpx.Client(base_url=url, headers=auth, params={"jurisdiction": slug}) as c:
        before = early(app)
        made = c.get(TILE)  # made by the route
        assert early(app) == before and made.status_code == 200 and made.content
        again = c.get(TILE)
        assert early(app) == before + 1  # sent before routing
        assert again.status_code == 200 and again.content == made.content
        assert {h: again.headers.get(h) for h in SAME} == {h: made.headers.get(h) for h in SAME}
        kept = c.get(TILE, headers={"If-None-Match": made.headers["etag"]})
        assert kept.status_code == 304 and kept.headers["etag"] == made.headers["etag"] and early(app) == before + 2


def test_a_grid_workers_tile_is_never_a_leaders(served, make_user, copy_of):
    app, url = served
    slug = copy_of("huamao")
    leader, worker = make_user("leader", jurisdiction=slug), make_user("worker", jurisdiction=slug,
                                                                        grid="110105015001001")
    settled(app)
    with httpx.Client(base_url=url) as c:
        whole = [c.get(TILE, headers=bearer(leader)) for _ in range(2)][1]
        before = early(app)
        mine = c.get(TILE, headers=bearer(worker))
        assert early(app) == before  # another key: made by the route, for the worker's grid
        assert mine.status_code == 200 and mine.content != whole.content
        assert mine.headers["etag"] != whole.headers["etag"]
        again = c.get(TILE, headers=bearer(worker))
        assert early(app) == before + 1 and again.content == mine.content


def test_refusals_are_the_routes(served, make_user, conn, copy_of):
    app, url = served
    slug, other = copy_of("huamao"), copy_of("huamao")
    key, outsider = make_user("leader", jurisdiction=slug), make_user("leader", jurisdiction=other)
    settled(app)
    with httpx.Client(base_url=url) as c:
        for _ in range(2):
            assert c.get(TILE, headers=bearer(key)).status_code == 200
        before = early(app)
        # the outsider's token is remembered too, for their own community
        assert c.get(TILE, headers=bearer(outsider)).status_code == 200
        refused = c.get(TILE, headers=bearer(outsider), params={"jurisdiction": slug})
        assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")
        assert c.get(TILE, headers=bearer("gm_" + "x" * 43)).status_code == 401
        assert c.get(TILE).status_code == 401
        assert c.get("/tiles/building/15/99999/12415.mvt", headers=bearer(key)).status_code == 422
        assert c.get(TILE, headers=bearer(key), params={"jurisdiction": "no-such-place"}).status_code == 404
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE api_token SET revoked_at = now() WHERE token_hash = %s", (token_key(key),))
        # the revocation heard first (a remembered token is refused once its notice arrives, within
        # milliseconds: test_change_notices times that); then the route refuses it, not the early path
        settled(app)
        assert c.get(TILE, headers=bearer(key)).status_code == 401
    assert early(app) == before


def test_a_url_naming_a_newer_version_goes_to_the_route(served, auth, copy_of):
    app, url = served
    slug = copy_of("huamao")
    settled(app)
    with httpx.Client(base_url=url, headers=auth, params={"jurisdiction": slug}) as c:
        version = c.get("/tiles/building.json").json()["version"]
        c.get(TILE, params={"v": version})
        before = early(app)
        kept = c.get(TILE, params={"v": version})
        assert early(app) == before + 1 and kept.headers["cache-control"].endswith("immutable")
        other = c.get(TILE, params={"v": "1-1"})
        assert early(app) == before + 1 and other.headers["cache-control"] == "private, no-cache"
