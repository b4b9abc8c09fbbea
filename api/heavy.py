"""Heavy jobs: bounded, and run without holding a database connection.

A heavy job computes or renders for seconds: printing (a headless browser), siting (HiGHS),
grid generation, visit tours (LKH). Two rules keep a few of them from taking the service down:

- **Bounded**: at most ``GRIDMAP_HEAVY_JOBS_MAX`` run at once in the service and
  ``GRIDMAP_HEAVY_JOBS_PER_USER`` per user. Past a limit a request is refused at once, never
  queued (a queue of heavy jobs holds threads and sockets while it waits): 429 when the caller
  runs their share already, 503 when the service is full, both with ``Retry-After``.
- **No connection held while computing**: the pool is small (``GRIDMAP_POOL_MAX``) and light
  requests need it. A heavy route signs in with :class:`AllowHeavy` (the access check on a
  connection of its own, back in the pool before the route runs), takes one with :func:`pooled`
  to load its inputs in one short transaction, computes with none, and takes one again only to
  write.

A heavy route, e.g. printing::

    @router.get("/grids/{code}/print.{fmt}")
    def grid_print(request: Request, who: HeavyViewer, ...) -> Response:
        with heavy_job(request, who, "print"):
            with pooled(request) as conn, transaction(conn) as cur:
                ...                       # check the grid, issue the print's token
            data = render(...)            # no connection held: the page calls back into the API
            with pooled(request) as conn, transaction(conn) as cur:
                ...                       # revoke the token
        return Response(data, ...)
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Security

from api.auth import Allow, bearer
from api.deps import get_conn
from api.security import bearer_token, cross_site
from gis.access import Forbidden, Principal
from gis.errors import ServiceBusyError, TooManyJobsError
from gis.i18n import Message, msg

# The kinds of heavy job, for messages and for what runs (each one's limits are the same).
KINDS = ("print", "suggest", "generate", "visits")

# A pooled connection as a context manager, for routes that take one for a moment: the same
# checkout as the ConnDep dependency (a free pool slot waited for up to GRIDMAP_POOL_WAIT_S, a
# dropped connection replaced, a broken one closed), returned when the block ends.
pooled = contextmanager(get_conn)


class HeavyJobs:
    """How many heavy jobs run, in all and per user; :meth:`job` refuses one past either limit.

    Parameters
    ----------
    most
        Heavy jobs at once in the service.
    per_user
        Heavy jobs at once of one user.
    retry_after_s
        The Retry-After given with a refusal.
    """

    def __init__(self, most: int, per_user: int, retry_after_s: int) -> None:
        if most < 1 or per_user < 1:
            raise ValueError(msg("heavy job limits are at least 1"))
        self.most, self.per_user, self.retry_after_s = most, per_user, retry_after_s
        self._lock = threading.Lock()
        self._by_user: Counter[int] = Counter()
        self._by_kind: Counter[str] = Counter()

    def _acquire(self, user: int, name: str, kind: str) -> None:
        with self._lock:
            if self._by_user[user] >= self.per_user:
                raise TooManyJobsError(msg("{0} already runs as many heavy jobs as one user may at once ({1}); try "
                                           "again in {2} s",
                                           name, self.per_user, self.retry_after_s), self.retry_after_s)
            if sum(self._by_kind.values()) >= self.most:
                raise ServiceBusyError(msg("the service is busy with {0} heavy jobs (printing, siting, grid "
                                           "generation, visit tours); try again in {1} s",
                                           self.most, self.retry_after_s),
                                       self.retry_after_s)
            self._by_user[user] += 1
            self._by_kind[kind] += 1

    def _release(self, user: int, kind: str) -> None:
        with self._lock:
            self._by_user[user] -= 1
            self._by_kind[kind] -= 1
            if not self._by_user[user]:
                del self._by_user[user]
            if not self._by_kind[kind]:
                del self._by_kind[kind]

    @contextmanager
    def job(self, user: int, name: str, kind: str) -> Iterator[None]:
        """Run one heavy job of ``kind`` for ``user`` (``name`` in messages), or refuse it at once:
        :class:`TooManyJobsError` past the user's limit, :class:`ServiceBusyError` past the
        service's."""
        if kind not in KINDS:
            raise ValueError(msg("unknown kind of heavy job {0!r}", kind))
        self._acquire(user, name, kind)
        try:
            yield
        finally:
            self._release(user, kind)

    def running(self) -> dict[str, int]:
        """The heavy jobs running now, by kind."""
        with self._lock:
            return dict(self._by_kind)


_making = threading.Lock()


def heavy_jobs(app: FastAPI) -> HeavyJobs:
    """The app's limiter, made from its settings on first use."""
    jobs = getattr(app.state, "heavy_jobs", None)
    if jobs is None:
        with _making:
            jobs = getattr(app.state, "heavy_jobs", None)
            if jobs is None:
                s = app.state.settings
                jobs = app.state.heavy_jobs = HeavyJobs(s.heavy_jobs_max, s.heavy_jobs_per_user,
                                                        s.heavy_retry_after_s)
    return jobs


def heavy_job(request: Request, who: Principal, kind: str):
    """``with heavy_job(request, who, "suggest"):`` runs the block as one heavy job of ``who``."""
    return heavy_jobs(request.app).job(who.user_id, who.username, kind)


class AllowHeavy(Allow):
    """:class:`~api.auth.Allow` for heavy routes: the same sign-in and access check, on a
    connection taken for the check alone and returned before the route runs (a dependency's own
    ``ConnDep`` would be held until the answer has been sent)."""

    def __call__(self, request: Request,  # type: ignore[override]
                 _documented: Annotated[str | None, Security(bearer)] = None) -> Principal:
        # Reads, but seconds of work each: like a write, not started by another site's page riding on
        # the login cookie (an <img> on a page of another port of the same host printed a grid map).
        if not bearer_token(request) and cross_site(request):
            raise Forbidden(msg("a heavy request (printing, siting, grid generation, visit tours) from another "
                                "site's page is refused; use this service's own pages"))
        with pooled(request) as conn:
            return super().__call__(request, conn, _documented)


HeavyViewer = Annotated[Principal, Depends(AllowHeavy("view"))]
HeavyReader = Annotated[Principal, Depends(AllowHeavy("read"))]
HeavyPlanner = Annotated[Principal, Depends(AllowHeavy("plan"))]
HeavyScheduler = Annotated[Principal, Depends(AllowHeavy("schedule"))]


class Turns:
    """Work of one kind that takes a core for about a second (matching a batch of walks, decoding a
    photo): at most ``at_once`` at a time in a process, and ``per_user`` at a time of one user (one
    more: 429 at once). At most ``queue`` wait for a turn, each at most ``wait_s``, a thread of the
    server's pool held meanwhile; past either, 503 (at once when the queue is full): the phone
    keeps what it sends and sends it again later. The two bounds keep a burst — one account's 80
    photos, or one photo each of many accounts — from holding the threads every other request
    needs while it waits: at most ``at_once + queue`` threads are ever taken by one kind of work.
    ``busy(retry)`` and ``yours(name, retry)`` say the two refusals."""

    def __init__(self, at_once: int, per_user: int, queue: int, wait_s: float, busy: Callable[[int], Message],
                 yours: Callable[[str, int], Message]) -> None:
        self.at_once, self.per_user, self.queue, self.wait_s = at_once, per_user, queue, wait_s
        self.busy, self.yours = busy, yours
        self.slots = threading.BoundedSemaphore(at_once)
        self.users: Counter[int] = Counter()
        self.waiting = 0
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, who: Principal, retry_after_s: int) -> Iterator[None]:
        """A turn of ``who``'s, or a refusal for now."""
        with self._lock:
            if self.users[who.user_id] >= self.per_user:
                raise TooManyJobsError(self.yours(who.username, retry_after_s), retry_after_s)
            self.users[who.user_id] += 1
        try:
            if not self.slots.acquire(blocking=False) and not self._wait_for_slot():
                raise ServiceBusyError(self.busy(retry_after_s), retry_after_s)
            try:
                yield
            finally:
                self.slots.release()
        finally:
            with self._lock:
                self.users[who.user_id] -= 1
                if not self.users[who.user_id]:
                    del self.users[who.user_id]

    def _wait_for_slot(self) -> bool:
        """Wait for a slot if the queue has room; whether one was taken."""
        with self._lock:
            if self.waiting >= self.queue:
                return False
            self.waiting += 1
        try:
            return self.slots.acquire(timeout=self.wait_s)
        finally:
            with self._lock:
                self.waiting -= 1


# Walks matched to the streets (a phone's batch, a GPX upload): each batch is up to 20,000 fixes
# (gis.limits.MAX_BATCH_FIXES, MAX_TRACK_POINTS), about a second of CPU, computed holding no
# database connection; more than two at once would only share the cores. One user's one at a time,
# four more waiting at most.
MATCHING = Turns(2, 1, 4, 3.0, lambda retry: msg("the service is busy matching other walks; try again in {0} s", retry),
                 lambda name, retry: msg("{0} is sending walks already; try again in {1} s", name, retry))
# Photos decoded (api.routers.field): a 50-megapixel one takes ~1 s and ~200 MB to decode and
# shrink; more than two at once would only share the cores and add up the memory. A phone sends
# its photos one after another: two of one account's at once are another tab's at most. Four more
# wait at most (each a thread of the pool): eight, and the threads every other request needs.
DECODING = Turns(2, 2, 4, 10.0, lambda retry: msg("the service is busy with other photos; try again in {0} s", retry),
                 lambda name, retry: msg("{0} is sending photos already; try again in {1} s", name, retry))


def matching_turn(who: Principal, retry_after_s: int):
    """``with matching_turn(who, retry):`` a turn to match a batch of ``who``'s walks."""
    return MATCHING.turn(who, retry_after_s)
