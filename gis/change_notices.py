"""Hearing the database's change notices (``LISTEN gridmap_change``, ``019_change_notices.sql``)
on a connection of its own, in a thread of its own, for a :class:`gis.read_memo.Memo`.

The memo is live only while the connection listens: when the connection breaks (the database
restarts, the network drops) the memo stops remembering at once and every request asks the
database, until the thread has connected and listens again. A request may also :meth:`drain`
the notices already arrived before it trusts the memo, so that a change committed before the
request was sent is heard before it is answered whenever the notice has reached this process.
"""

from __future__ import annotations

import logging
import select
import threading
import time

import psycopg2
import psycopg2.extensions

from gis.read_memo import Memo

log = logging.getLogger(__name__)
CHANNEL = "gridmap_change"


class ChangeListener:
    """Listens for ``dsn``'s change notices on behalf of ``memo``; :meth:`start`, :meth:`stop`."""

    def __init__(self, dsn: str, memo: Memo, *, retry_s: float = 1.0) -> None:
        self.dsn, self.memo, self.retry_s = dsn, memo, retry_s
        self._conn: psycopg2.extensions.connection | None = None
        self._lock = threading.Lock()  # around the connection's reads: the thread's and drain's
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gridmap-change-notices", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._close()

    def listening(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the listener to hear changes; whether it does."""
        deadline = time.monotonic() + timeout
        while not self.memo.live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.memo.live

    def drain(self) -> None:
        """Take the notices already arrived (no wait for more); the memo forgets if there were
        any, and stops remembering if the connection broke (the thread connects again)."""
        if self._conn is None:
            return
        with self._lock:  # held by the thread only while it takes notices: microseconds
            try:
                self._take()
            except psycopg2.Error:
                self.memo.hearing(False)

    def _take(self) -> None:
        conn = self._conn
        if conn is None:
            return
        conn.poll()
        if conn.notifies:
            conn.notifies.clear()
            self.memo.forget()

    def _connect(self) -> None:
        conn = psycopg2.connect(self.dsn, application_name="gridmap change notices",
                                keepalives=1, keepalives_idle=10, keepalives_interval=5, keepalives_count=3)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f"LISTEN {CHANNEL}")
        self._conn = conn
        self.memo.hearing(True)  # from now every change is heard: what was kept before is forgotten

    def _close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            conn.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._connect()
                while not self._stopping.is_set():
                    conn = self._conn
                    assert conn is not None
                    ready, _, _ = select.select([conn], [], [], 1.0)
                    if ready:
                        with self._lock:
                            self._take()
            except (psycopg2.Error, OSError, ValueError) as exc:  # ValueError: select on a closed socket
                if not self._stopping.is_set():
                    log.warning("change notices not heard (%s); every request asks the database", exc)
            self.memo.hearing(False)
            self._close()
            self._stopping.wait(self.retry_s)
