"""``/field``: the grid worker's phone app (an installable web app that works without signal).

The page and what makes it installable and offline (its manifest and service worker); today's
work for the signed-in worker (``GET /field/{slug}/today``, with an ETag the phone caches by);
the batch of what the phone recorded (``POST /field/{slug}/sync``: one result per item); and the
photos of cases, sent one by one as the image itself (``POST /cases/{slug}/{case_id}/photos``)
and served only to those who see the case.

Field work is reporting (``report``: workers and leaders); the account must be linked to a
worker record (``gridmap users link``), which is whom tracks and check-ins name.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from api.auth import Allow, Reporter, Viewer
from api.deps import ConnDep, JSONBodyRoute, PlainParameters, SettingsDep
from api.errors import UnsupportedMediaTypeError, language
from api.headers import PRIVATE
from api.heavy import DECODING, AllowHeavy, matching_turn, pooled
from api.models.common import COMMON, WRITES, header, problems, returns
from api.models.field import Batch, Manifest, PhotoStored, Synced, Today
from api.rendering import TEMPLATES, page
from api.webassets import STATIC
from gis import __version__
from gis.access import Forbidden, Principal
from gis.db import transaction
from gis.errors import Conflict, FileTooLarge
from gis.etags import none_match
from gis.field_store import today as today_of
from gis.field_store import worker_of
from gis.field_sync import check_photo, match_walks, parse_client_id, sync, visible_case, walk_inputs
from gis.i18n import msg
from gis.limits import MAX_BATCH_FIXES, MAX_ID
from gis.messages import translate
from gis.parsing import is_number
from gis.photos import ACCEPTED, MAX_UPLOAD_BYTES, normalise
from gis.photos_store import photo_bytes, photo_sent, store_photo

router = APIRouter(tags=["field"], dependencies=[PlainParameters], route_class=JSONBodyRoute)
PageReporter = Annotated[Principal, Depends(Allow("report", page=True))]
CaseId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
PhotoId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
PHOTO_TYPES = tuple(ACCEPTED.values())
# Signed in as one who handles cases (a worker, a leader, a department: each photo is then checked
# against the case and its stage, check_photo) on a connection returned before the route runs: a
# photo being decoded holds none (AllowHeavy's check, without the heavy-job limit: photos are
# field work, not jobs).
PhotoReporter = Annotated[Principal, Depends(AllowHeavy("handle"))]
# The same for a batch from the phone: its walks are matched holding no connection.
SyncReporter = Annotated[Principal, Depends(AllowHeavy("report"))]
MANIFEST = "application/manifest+json"
# What the service worker keeps for offline use (the app shell): the page's scripts and styles.
SHELL = ["/static/vendor/leaflet/leaflet.css", "/static/vendor/leaflet/leaflet.js", "/static/app/js/i18n.js",
         "/static/app/js/field_i18n.js", "/static/app/js/labels.js", "/static/app/js/field_queue.js",
         "/static/app/js/field.js", "/static/app/css/field.css", "/static/app/favicon.svg",
         "/field/manifest.webmanifest"]
_OWN_SHELL = ["js/i18n.js", "js/field_i18n.js", "js/labels.js", "js/field_queue.js", "js/field.js", "css/field.css"]


def _shell_version() -> str:
    """The app shell's version: of gridmap and of every file the phone keeps, so that a changed
    script makes a new service worker, which replaces the old shell cache."""
    h = hashlib.blake2b(__version__.encode(), digest_size=8)
    for name in _OWN_SHELL:
        h.update((STATIC / name).read_bytes())
    for name in ("field.html", "field_sw.js"):
        h.update((TEMPLATES / name).read_bytes())
    return h.hexdigest()


@router.get("/field", response_class=HTMLResponse, summary="The grid worker's phone app (installable, offline)",
            responses={303: {"description": "To the login page, and back after"},
                       403: {"description": "A page that says why", "content": {"text/html": {}}},
                       **problems(400, 404, 405, 422, 503)})
def field_page(who: PageReporter, settings: SettingsDep) -> HTMLResponse:
    slug = who.jurisdiction_slug or settings.default_jurisdiction or ""
    answer = page("field.html", jurisdiction=slug, max_fixes=str(MAX_BATCH_FIXES))  # no name: the shell is kept
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer


@router.get("/field/manifest.webmanifest", summary="The field app's web app manifest (add to home screen)",
            response_class=Response,
            responses={200: {"content": returns(Manifest, MANIFEST), "description": "The manifest"}, **problems(405)})
def manifest() -> Response:
    body = Manifest.model_validate({
        "name": "网格员巡查", "short_name": "巡查", "lang": "zh-CN", "start_url": "/field", "scope": "/field",
        "display": "standalone", "orientation": "portrait", "background_color": "#ffffff", "theme_color": "#0b5cab",
        "description": "网格员走动巡查、楼栋走访、事件上报与处置（可离线）",
        "icons": [{"src": "/static/app/favicon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
    }).model_dump()
    return Response(json.dumps(body, ensure_ascii=False), media_type=MANIFEST,
                    headers={"Cache-Control": "no-cache"})


@router.get("/field/sw.js", summary="The field app's service worker (offline shell and data, versioned caches)",
            response_class=Response, responses={200: {"content": {"text/javascript": {}},
                                                      "description": "The service worker script"},
                                                 **problems(405)})
def service_worker() -> Response:
    script = (TEMPLATES / "field_sw.js").read_text(encoding="utf-8")
    script = script.replace('"__SHELL_VERSION__"', json.dumps(_shell_version()))
    script = script.replace('["__SHELL_FILES__"]', json.dumps(SHELL))
    return Response(script, media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/field"})


@router.get("/field/{slug}/today", summary="Today's work of the signed-in worker: route, streets still to walk, "
            "buildings, cases", response_model=Today,
            responses={**COMMON, **problems(409), 200: {"description": "Today's work", "headers": {
                "ETag": header("Its version: send as If-None-Match for a 304")}},
                304: {"description": "Not modified: the phone's copy is current"}})
def today(request: Request, who: Reporter, slug: str, conn: ConnDep, settings: SettingsDep, response: Response,
          if_none_match: Annotated[str | None, Header(alias="If-None-Match")] = None) -> Any:
    day = settings.today()
    with transaction(conn) as cur:
        worker = worker_of(cur, who, slug)
        answer = today_of(cur, slug, who, worker, settings, day)
    headers = {**PRIVATE, "ETag": answer["version"]}
    if none_match(if_none_match, answer["version"]):
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return answer


@router.post("/field/{slug}/sync", summary="What the phone recorded: walks, check-ins, cases, cases handled; "
             "a result per item", response_model=Synced, responses={**COMMON, **WRITES})
def sync_route(request: Request, who: SyncReporter, slug: str, body: Batch, settings: SettingsDep) -> dict:
    recorded_by(who, body.recorded_by)  # at most MAX_BATCH_FIXES walk points: Batch.precheck
    items = []
    for item in body.items:
        raw = item.model_dump()
        if raw["type"] == "case" and item.where is not None:  # type: ignore[union-attr]
            raw["where"] = tuple(item.where.coordinates[:2])  # type: ignore[union-attr]
        items.append(raw)
    lang = language(request)
    now = datetime.now(settings.time_zone)
    if any(i["type"] == "track" for i in items):  # matched first, holding no connection (see matching_turn)
        with matching_turn(who, settings.heavy_retry_after_s):
            with pooled(request) as conn, transaction(conn) as cur:
                worker_of(cur, who, slug)
                jur, loaded, kept = walk_inputs(cur, slug, items)
            match_walks(jur, loaded, items, settings, now, skip=kept)
    with pooled(request) as conn, transaction(conn, who.username) as cur:
        worker = worker_of(cur, who, slug)
        results = sync(cur, slug, who, worker, items, settings, now)
    for r in results:
        if r["status"] == "refused":
            r["reason"] = translate(r["reason"], lang)
            r["problems"] = [translate(p, lang) for p in r["problems"]] or None
    return {"results": results, **{s: sum(r["status"] == s for r in results)
                                   for s in ("created", "exists", "refused")}}


def recorded_by(who: Principal, account: str | None) -> None:
    """Refuse what a phone recorded as another account than the one signed in now (a phone shared
    by a shift, its session changed while it was sending): 409, nothing written; it waits on the
    phone for the one who recorded it."""
    if account is not None and account != who.username:
        raise Conflict(msg("these records were made by {0}, not by {1} who is signed in: they wait on the phone "
                           "for {0}", account, who.username))


async def _image(request: Request) -> bytes:
    """The image sent as the body: one of the photo types (415), at most the photo limit (413)."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media not in PHOTO_TYPES:
        raise UnsupportedMediaTypeError(msg("send the photo with Content-Type {0}, not {1!r}",
                                            " or ".join(PHOTO_TYPES), media[:100]))
    too_big = msg("a photo may be at most {0} MB", MAX_UPLOAD_BYTES // (1024 * 1024))
    declared = request.headers.get("content-length")
    if declared and is_number(declared) and int(declared) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise FileTooLarge(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/cases/{slug}/{case_id}/photos", status_code=201, summary="Add a photo to a case (before: the "
             "reporter's; after: the handler's), as the image itself", response_model=PhotoStored,
             responses={**COMMON, **WRITES,
                        200: {"description": "Sent before with this client_id", "model": PhotoStored}},
             openapi_extra={"requestBody": {"required": True, "description": "A JPEG, PNG or WebP image, at most 8 MB",
                                            "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                        for t in PHOTO_TYPES}}})
async def add_case_photo(request: Request, who: PhotoReporter, slug: str, case_id: CaseId,
                         response: Response, stage: Literal["before", "after"] = "before",
                         client_id: Annotated[uuid.UUID | None, Query(
                             description="The phone's id for this photo: sent again, it is kept once")] = None,
                         recorded: Annotated[str | None, Query(alias="recorded_by", max_length=200, description=(
                             "The account that took it, as the phone knows it: another's sign-in gets 409"))] = None,
                         ) -> dict:
    from starlette.concurrency import run_in_threadpool

    recorded_by(who, recorded)
    data = await _image(request)
    stored = await run_in_threadpool(_store_photo, request, who, slug, case_id, data, stage, client_id)
    if not stored["created"]:
        response.status_code = 200
    return {**stored, "case_id": case_id}


def _store_photo(request: Request, who: Principal, slug: str, case_id: int, data: bytes, stage: str,
                 client_id: uuid.UUID | None) -> dict:
    """Check, decode, store: a photo with no right or no room is refused before it is decoded.
    It is decoded in its turn (:data:`api.heavy.DECODING`: two at a time, two of one account's;
    each may take a second and a few hundred MB), with no database connection held: checked again
    when its turn comes (the room may have gone to the photos before it), decoded, then stored in
    one short transaction that locks the case (a copy of the same photo sent meanwhile is answered
    as the photo stored). A photo that cannot have its turn is refused for now (429 or 503, with
    Retry-After): no burst, of one account or of many, holds the threads every other request needs."""
    sent = parse_client_id(str(client_id) if client_id else None)

    def checked(cur: Any) -> dict | None:  # the right and the room; the photo stored already, if sent before
        case = visible_case(cur, who, slug, case_id)
        try:
            check_photo(who, case, stage)
        except Forbidden:  # a photo stored before the right went (its answer lost, the case closed since): it
            if sent is None or (known := photo_sent(cur, case_id, stage, sent)) is None:  # is answered as stored
                raise
            return known
        return photo_sent(cur, case_id, stage, sent)

    with pooled(request) as conn, transaction(conn, who.username) as cur:
        known = checked(cur)
    if known is not None:
        return known
    with DECODING.turn(who, request.app.state.settings.heavy_retry_after_s):
        with pooled(request) as conn, transaction(conn, who.username) as cur:
            known = checked(cur)
        if known is not None:
            return known
        photo = normalise(data)
    with pooled(request) as conn, transaction(conn, who.username) as cur:
        cur.execute("SELECT 1 FROM case_record WHERE id = %s FOR UPDATE", (case_id,))
        return checked(cur) or store_photo(cur, case_id, photo, stage, sent)


@router.get("/cases/{slug}/{case_id}/photos/{photo_id}", summary="A photo of a case (to those who see the case)",
            response_class=Response, responses={**COMMON, 200: {"description": "The image", "content": {
                t: {"schema": {"type": "string", "format": "binary"}} for t in ("image/jpeg", "image/png")}}})
def case_photo(who: Viewer, slug: str, case_id: CaseId, photo_id: PhotoId, conn: ConnDep) -> Response:
    with transaction(conn) as cur:
        visible_case(cur, who, slug, case_id)
        owner, media, data = photo_bytes(cur, photo_id)
    if owner != case_id:
        from gis.errors import NotFound

        raise NotFound(msg("case {0} has no photo {1}", case_id, photo_id))
    return Response(data, media_type=media, headers={"Cache-Control": "private, no-store",
                                                     "X-Content-Type-Options": "nosniff",
                                                     "Content-Disposition": f'inline; filename="case-{case_id}-'
                                                                            f'{photo_id}.{media.split("/")[1]}"'})
