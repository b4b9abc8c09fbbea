"""What a tile or an items request may see, and the layer's version, remembered by each server
process (``gis.read_memo``) while it hears the database's change notices (``gis.change_notices``):
a tile or a page already made is then sent without any round trip to the database.

Three rules keep it exact. A request naming a version (``?v=``, from a TileJSON) other than the
one remembered asks the database (the caller has seen a newer one). A write answered by this
process forgets everything before its answer leaves, so its writer reads their own write at
once. And notices already arrived are taken before each use.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import read
from gis import access
from gis.change_notices import ChangeListener
from gis.errors import NotFound
from gis.i18n import msg
from gis.read_memo import Memo
from gis.users import LayerAccess, principal_and_layers, token_key

READS = frozenset({"GET", "HEAD", "OPTIONS"})


def memo_key(token: str, slug: str | None, layers: tuple[str, ...]) -> tuple:
    """What an answer of :func:`layer_access` is remembered under; :class:`Unauthorized` for a
    string that is no token of gridmap's."""
    return token_key(token), slug, layers


def remembered(state: Any, key: tuple, asked: str | None) -> LayerAccess | None:
    """The answer remembered under ``key`` (:func:`memo_key`) if it is still true (the notices
    already arrived taken first) and the version ``asked`` for (``?v=``), if any, is the one
    remembered; else None."""
    listener: ChangeListener | None = getattr(state, "listener", None)
    if listener is not None:
        listener.drain()
    known = state.memo.get(key, time.time())
    if known is not None and (asked is None or asked == known.version):
        return known
    return None


def viewed_jurisdiction(seen: LayerAccess, slug: str | None) -> int | None:
    """The jurisdiction a tile or items request concerns, checked: the one ``slug`` names, else
    the caller's own (None: every one, for an unbound caller). :class:`NotFound` for an unknown
    slug, :class:`Forbidden` where the caller may not view."""
    if slug and seen.named is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", slug))
    home = seen.named if slug else seen.who.jurisdiction_id
    access.check(seen.who, "view", home)
    return home


async def layer_access(request: Request, token: str, slug: str | None, layers: tuple[str, ...]) -> LayerAccess:
    """Who holds ``token``, the jurisdiction ``slug`` names and the version of ``layers`` there:
    remembered, or read in one round trip (in a worker thread) and remembered."""
    key = memo_key(token, slug, layers)
    known = remembered(request.app.state, key, request.query_params.get("v"))
    if known is not None:
        return known
    memo: Memo = request.app.state.memo
    generation = memo.generation()
    found = await run_in_threadpool(read, request.app, lambda cur: principal_and_layers(cur, token, slug, list(layers)))
    memo.put(key, found, found.expires, generation)
    return found


def start(app: FastAPI, dsn: str) -> ChangeListener:
    """Hear ``dsn``'s change notices for the app's memo (stopped with :meth:`ChangeListener.stop`)."""
    listener = ChangeListener(dsn, app.state.memo)
    listener.start()
    app.state.listener = listener
    return listener


class ForgetAfterWrites:
    """ASGI middleware: a request that may write (any method but GET, HEAD and OPTIONS) makes the
    memo forget before its answer starts, so that the next request of its writer never sees what
    was remembered before the write. Plain ASGI (no body buffering)."""

    def __init__(self, app: ASGIApp, memo: Memo) -> None:
        self.app, self.memo = app, memo

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READS:
            await self.app(scope, receive, send)
            return

        async def forgetting(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.memo.forget()
            await send(message)

        await self.app(scope, receive, forgetting)


def install(app: FastAPI) -> None:
    """The app's memo, and the middleware that forgets after writes."""
    app.state.memo = Memo()
    app.add_middleware(ForgetAfterWrites, memo=app.state.memo)
