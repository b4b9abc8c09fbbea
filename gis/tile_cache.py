"""Vector tiles (and pages of items) kept in memory, per server process: a tile already made at
a layer's version is sent again without asking PostGIS to make it again.

A tile is kept under everything its bytes depend on: the layer, the layer's version (what
``gis.tiles.layer_version`` reads, bumped by every statement that changes the layer), what the
caller may see of it (the jurisdiction, and a grid worker's grid: a worker's building tile is
never a leader's), and z/x/y. An edit bumps the version, so the next request looks under a key
nothing is kept under and the tile is made again: invalidation is exact, without any message
between processes. Tiles of older versions are never asked for again and leave as the least
recently used. The cache is bounded by the bytes of the tiles it holds (LRU). Pages of items are
kept the same way (:class:`PageKey`: the query's every parameter besides). Pure: no database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple


class TileKey(NamedTuple):
    """What a tile's bytes depend on."""

    layer: str
    version: str
    jurisdiction_id: int | None  # None: every jurisdiction (an unbound caller asking for all)
    grid_id: int | None  # a grid worker's grid; None: every grid
    z: int
    x: int
    y: int


class PageKey(NamedTuple):
    """What a page of items depends on (its links aside, made for each request)."""

    layer: str
    version: str  # of the layer and of the jurisdictions (items name their jurisdiction's slug)
    jurisdiction_id: int | None
    grid_id: int | None
    bbox: tuple[float, float, float, float] | None  # in CRS84, as the query uses it
    filters: tuple[tuple[str, Any], ...]  # property = value, sorted
    crs: str  # the answer's CRS (Content-Crs)
    limit: int
    offset: int


class TileCache:
    """At most ``max_bytes`` of tiles, least recently used out first; thread-safe (the server's
    worker threads share it). ``max_bytes`` 0: keep nothing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any:
        """What is kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            found = self._tiles.get(key)
            if found is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, data: Any, size: int | None = None) -> None:
        """Keep ``data`` (a tile's bytes; ``size``: the bytes of anything else) under ``key``,
        evicting the least recently used beyond the bound (one larger than the whole bound is not
        kept)."""
        # An empty tile (b"") is kept too: most tiles of a map are empty, and asking PostGIS for
        # nothing costs as much as for something. Counted with an allowance for key and entry.
        cost = (len(data) if size is None else size) + 200
        if cost > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._tiles[key] = (data, cost)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._tiles.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self._bytes = 0

    @property
    def size(self) -> int:
        """The bytes held (tiles and an allowance per entry for its key)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._tiles)
