"""Creating, changing and removing jurisdictions (社区辖区); reading them is
:mod:`gis.jurisdiction_records`."""

from __future__ import annotations

import re
from typing import Any

import shapely
from psycopg2.extensions import cursor as Cursor
from shapely.geometry import MultiPolygon, Point, shape
from shapely.geometry.base import BaseGeometry

from gis.crs import utm_srid
from gis.errors import Conflict, InvalidInput, NotFound, StaleVersion
from gis.i18n import msg
from gis.store import PATROL_MODES, Jurisdiction, find_jurisdiction

SLUG = re.compile(r"^[a-z][a-z0-9_-]{1,62}$")
# Names the API's paths take for themselves (/jurisdictions/kpi): no jurisdiction may have them.
RESERVED_SLUGS = frozenset({"kpi"})


def check_boundary(boundary: BaseGeometry) -> MultiPolygon:
    """A jurisdiction boundary as a valid MultiPolygon in lon/lat; every problem otherwise."""
    problems = []
    if boundary.geom_type not in ("Polygon", "MultiPolygon"):
        problems.append(msg("boundary must be a Polygon or MultiPolygon, got {0}", boundary.geom_type))
    elif boundary.is_empty:
        problems.append(msg("boundary is empty"))
    else:
        minx, miny, maxx, maxy = boundary.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            problems.append(msg("boundary coordinates are not WGS84 longitude/latitude"))
        elif not boundary.is_valid:
            problems.append(msg("invalid boundary: {0}", shapely.is_valid_reason(boundary)))
    if problems:
        raise InvalidInput(msg("the jurisdiction boundary cannot be used"), problems)
    return boundary if boundary.geom_type == "MultiPolygon" else MultiPolygon([boundary])


def boundary_from_geojson(obj: dict[str, Any]) -> BaseGeometry:
    """A boundary given as a GeoJSON geometry; refused clearly when it is none."""
    try:
        return shape(obj)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidInput(msg("the boundary is not a valid GeoJSON polygon: {0}", str(exc)[:120])) from None


def _check_patrol(patrol: str) -> None:
    if patrol not in PATROL_MODES:
        raise InvalidInput(msg("patrol must be one of {0}, got {1!r}", ", ".join(PATROL_MODES), patrol))


def create_jurisdiction(cur: Cursor, slug: str, name: str, boundary: BaseGeometry, *,
                        admin_code: str | None = None, households: int | None = None,
                        population: int | None = None,
                        office: tuple[float, float] | None = None, patrol: str = "shared") -> Jurisdiction:
    """Insert a jurisdiction; its metric CRS is the UTM zone of its centroid."""
    if not SLUG.match(slug):
        raise InvalidInput(msg("jurisdiction slug {0!r} must be lower-case letters, digits, '-' or '_', starting "
                               "with a letter (2-63 characters)", slug))
    if slug in RESERVED_SLUGS:
        raise InvalidInput(msg("jurisdiction slug {0!r} is a name the service keeps for itself", slug))
    if admin_code is not None and not re.fullmatch(r"[0-9]{12}", admin_code):
        raise InvalidInput(msg("admin code {0!r} must be 12 digits", admin_code))
    _check_patrol(patrol)
    geom = check_boundary(boundary)
    if office is not None and not geom.buffer(1e-5).covers(Point(office)):
        raise InvalidInput(msg("the office point {0} lies outside the boundary of {1}", office, slug))
    cur.execute("SELECT 1 FROM jurisdiction WHERE slug = %s", (slug,))
    if cur.fetchone():
        raise Conflict(msg("jurisdiction {0!r} exists already", slug))
    c = geom.centroid
    cur.execute(
        "INSERT INTO jurisdiction (slug, name, admin_code, metric_srid, households, population,"
        " office, geom, patrol) VALUES (%s, %s, %s, %s, %s, %s,"
        " CASE WHEN %s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END,"
        " ST_GeomFromWKB(%s, 4326), %s)",
        (slug, name, admin_code, utm_srid(c.x, c.y), households, population,
         office[0] if office else None, office[0] if office else None,
         office[1] if office else None, shapely.to_wkb(geom), patrol),
    )
    return find_jurisdiction(cur, slug)


def update_jurisdiction(cur: Cursor, slug: str, *, name: str | None = None, admin_code: str | None = None,
                        office: tuple[float, float] | None = None, boundary: BaseGeometry | None = None,
                        households: int | None = None, population: int | None = None,
                        patrol: str | None = None, version: int | None = None) -> Jurisdiction:
    """Change what is given of a jurisdiction (recorded in the history, like every change). A new
    boundary must still hold every feature of the jurisdiction (the database's rule); a new
    office must lie inside it. Grids already numbered keep their codes. ``patrol`` is how its
    walkers share the streets (:data:`PATROL_MODES`). With ``version`` (an
    If-Match), a jurisdiction changed since is refused as stale."""
    j = find_jurisdiction(cur, slug)
    if version is not None:
        cur.execute("SELECT version FROM jurisdiction WHERE id = %s FOR UPDATE", (j.id,))
        current = cur.fetchone()[0]
        if current != version:
            raise StaleVersion(msg("jurisdiction {0} was changed by someone else (version {1}, you sent {2})",
                                   slug, current, version), current)
    if admin_code is not None and not re.fullmatch(r"[0-9]{12}", admin_code):
        raise InvalidInput(msg("admin code {0!r} must be 12 digits", admin_code))
    if name is not None and not name.strip():
        raise InvalidInput(msg("a jurisdiction needs a name"))
    if patrol is not None:
        _check_patrol(patrol)
    geom = check_boundary(boundary) if boundary is not None else None
    if office is not None:
        area = geom if geom is not None else j.envelope
        if not area.buffer(1e-5).covers(Point(office)):
            raise InvalidInput(msg("the office point {0} lies outside the boundary of {1}", office, slug))
    changes: dict[str, Any] = {"name": name, "admin_code": admin_code, "households": households,
                               "population": population, "patrol": patrol}
    sets = [f"{column} = %({column})s" for column, value in changes.items() if value is not None]
    if office is not None:
        sets.append("office = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)")
    if geom is not None:
        sets.append("geom = ST_GeomFromWKB(%(geom)s, 4326)")
    if not sets:
        raise InvalidInput(msg("nothing to change: give --name, --admin-code, --office, --boundary or --patrol"))
    cur.execute(f"UPDATE jurisdiction SET {', '.join(sets)} WHERE id = %(id)s",  # noqa: S608 (fixed columns)
                {**changes, "id": j.id, "lon": office[0] if office else None, "lat": office[1] if office else None,
                 "geom": shapely.to_wkb(geom) if geom is not None else None})
    return find_jurisdiction(cur, slug)


def delete_jurisdiction(cur: Cursor, slug: str) -> None:
    """Delete a jurisdiction and everything in it (recorded in the history)."""
    cur.execute("DELETE FROM jurisdiction WHERE slug = %s RETURNING id", (slug,))
    if cur.fetchone() is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", slug))
