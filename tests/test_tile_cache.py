"""The tile cache (gis.tile_cache), without a database: keys, bound, eviction. Its use by the
tile route, on the database, is in tests/test_tiles.py."""

from __future__ import annotations

from gis.tile_cache import TileCache, TileKey

LEADER = TileKey("building", "7-1700000000000", 3, None, 15, 1, 2)


def test_a_tile_is_found_under_its_own_key_only():
    cache = TileCache(1 << 20)
    cache.put(LEADER, b"all the buildings")
    assert cache.get(LEADER) == b"all the buildings"
    # another version (an edit), another grid (a worker), another jurisdiction, another tile
    for other in (LEADER._replace(version="8-1700000000001"), LEADER._replace(grid_id=11),
                  LEADER._replace(jurisdiction_id=None), LEADER._replace(x=2)):
        assert cache.get(other) is None
    assert (cache.hits, cache.misses) == (1, 4)
    # an empty tile is a tile too
    cache.put(LEADER._replace(x=9), b"")
    assert cache.get(LEADER._replace(x=9)) == b""


def test_the_bound_evicts_the_least_recently_used():
    tile = b"x" * 800  # 1,000 bytes with the allowance for its key
    cache = TileCache(3000)
    keys = [LEADER._replace(x=i) for i in range(4)]
    for k in keys[:3]:
        cache.put(k, tile)
    assert len(cache) == 3 and cache.size == 3000
    assert cache.get(keys[0]) == tile  # now the most recently used
    cache.put(keys[3], tile)  # over the bound: out goes keys[1], the least recently used
    assert cache.get(keys[1]) is None
    assert all(cache.get(k) == tile for k in (keys[0], keys[2], keys[3]))
    assert cache.size <= 3000
    # put again under the same key: replaced, not counted twice
    cache.put(keys[3], b"y" * 100)
    assert cache.get(keys[3]) == b"y" * 100 and cache.size == 2 * 1000 + 300


def test_a_tile_larger_than_the_bound_or_a_bound_of_nothing_keeps_nothing():
    cache = TileCache(1000)
    cache.put(LEADER, b"x" * 5000)
    assert cache.get(LEADER) is None and len(cache) == 0
    none = TileCache(0)
    none.put(LEADER, b"")
    assert none.get(LEADER) is None and none.size == 0
