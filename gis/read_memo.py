"""What the database said, remembered between requests while no change can have made it wrong.

A tile or a page of items needs, before its answer, who holds the token and the layer's version
(``principal_layer.sql``): one round trip, the whole cost of a tile already made. A server
process remembers those answers here, and forgets all of them whenever it hears that something
they are read from changed (a token, a user, a jurisdiction, a grid or a layer's version: the
database notifies at each such commit, ``019_change_notices.sql``; ``gis.change_notices`` hears
it). It remembers nothing while it is not hearing: then every request asks the database.

An answer read while a change was being heard must not be kept: each reader takes the
:meth:`generation` before it asks the database, and :meth:`put` keeps the answer only if no change
was heard meanwhile. A change committed after the read but heard after the put clears it then.
So an answer is at most as stale as the notice is slow (a few milliseconds), and a token that
expires is never answered for after its expiry. Pure: no database.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Any


class Memo:
    """At most ``most`` answers (all forgotten when full: they are cheap to read again)."""

    def __init__(self, most: int = 10_000) -> None:
        self.most = most
        self._answers: dict[Hashable, tuple[Any, float]] = {}
        self._generation = 0
        self._live = False  # True only while changes are heard
        self._lock = threading.Lock()
        self.hits = 0  # answers sent from memory (a round trip saved each)

    @property
    def live(self) -> bool:
        """Whether changes are being heard (answers are remembered only then)."""
        return self._live

    def generation(self) -> int:
        """Take it before reading what :meth:`put` will keep."""
        return self._generation

    def get(self, key: Hashable, now: float) -> Any:
        """The answer kept under ``key``, or None (none kept, it expired, or nothing is heard)."""
        found = self._answers.get(key) if self._live else None
        if found is None:
            return None
        if found[1] <= now:
            with self._lock:
                self._answers.pop(key, None)
            return None
        self.hits += 1
        return found[0]

    def put(self, key: Hashable, answer: Any, expires: float, generation: int) -> bool:
        """Keep ``answer`` until ``expires`` (epoch seconds), unless a change was heard since
        ``generation`` was taken or nothing is heard; whether it was kept."""
        with self._lock:
            if not self._live or generation != self._generation:
                return False
            if len(self._answers) >= self.most:
                self._answers.clear()
            self._answers[key] = (answer, expires)
            return True

    def forget(self) -> None:
        """A change was heard (or made here): nothing kept so far may be sent again."""
        with self._lock:
            self._generation += 1
            self._answers.clear()

    def hearing(self, live: bool) -> None:
        """Changes are heard from now on (``live``), or no longer: either way, forget everything."""
        with self._lock:
            self._generation += 1
            self._answers.clear()
            self._live = live

    def __len__(self) -> int:
        return len(self._answers)
