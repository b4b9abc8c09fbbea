"""Vector tiles kept in memory, per server process: a tile already made at a layer's version is
sent again without asking PostGIS to make it again.

A tile is kept under everything its bytes depend on: the layer, the layer's version (what
``gis.tiles.layer_version`` reads, bumped by every statement that changes the layer), what the
caller may see of it (the jurisdiction, and a grid worker's grid: a worker's building tile is
never a leader's), and z/x/y. An edit bumps the version, so the next request looks under a key
nothing is kept under and the tile is made again: invalidation is exact, without any message
between processes. Tiles of older versions are never asked for again and leave as the least
recently used. The cache is bounded by the bytes of the tiles it holds (LRU). Pure: no database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import NamedTuple


class TileKey(NamedTuple):
    """What a tile's bytes depend on."""

    layer: str
    version: str
    jurisdiction_id: int | None  # None: every jurisdiction (an unbound caller asking for all)
    grid_id: int | None  # a grid worker's grid; None: every grid
    z: int
    x: int
    y: int


class TileCache:
    """At most ``max_bytes`` of tiles, least recently used out first; thread-safe (the server's
    worker threads share it). ``max_bytes`` 0: keep nothing."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._tiles: OrderedDict[TileKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: TileKey) -> bytes | None:
        """The tile kept under ``key`` (now the most recently used), or None."""
        with self._lock:
            data = self._tiles.get(key)
            if data is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return data

    def put(self, key: TileKey, data: bytes) -> None:
        """Keep ``data`` under ``key``, evicting the least recently used beyond the bound (a
        tile larger than the whole bound is not kept)."""
        size = self._cost(key, data)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= self._cost(key, old)
            self._tiles[key] = data
            self._bytes += size
            while self._bytes > self.max_bytes:
                k, v = self._tiles.popitem(last=False)
                self._bytes -= self._cost(k, v)

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

    @staticmethod
    def _cost(key: TileKey, data: bytes) -> int:
        # An empty tile (b"") is kept too: most tiles of a map are empty, and asking PostGIS
        # for nothing costs as much as for something. Count the key and the entry for it.
        return len(data) + 200
