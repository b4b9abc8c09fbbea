"""The embedded datasets in ``data/``: one package folder of GeoJSON per community."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from psycopg2.extensions import cursor as Cursor

from gis.errors import NotFound
from gis.i18n import msg

if TYPE_CHECKING:
    from gis.importing import ImportReport, Progress

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def available(data_dir: Path = DATA_DIR) -> list[str]:
    """Names of the embedded datasets (folders holding a jurisdiction.geojson)."""
    return sorted(p.parent.name for p in data_dir.glob("*/jurisdiction.geojson"))


def dataset_path(name: str, data_dir: Path = DATA_DIR) -> Path:
    """The package folder of dataset ``name``."""
    if name not in available(data_dir):
        raise NotFound(msg("no embedded dataset {0!r}; there are: {1}", name, ", ".join(available(data_dir))))
    return data_dir / name


def is_loaded(cur: Cursor, slug: str) -> bool:
    """Whether a jurisdiction ``slug`` exists."""
    cur.execute("SELECT 1 FROM jurisdiction WHERE slug = %s", (slug,))
    return cur.fetchone() is not None


def load(cur: Cursor, name: str, *, replace: bool = False,
         progress: Progress | None = None) -> ImportReport | None:
    """Load dataset ``name`` as jurisdiction ``name``; None when it is there already."""
    from gis.importing import _quiet, import_package  # geopandas: only when a dataset is loaded

    path = dataset_path(name)
    if is_loaded(cur, name) and not replace:
        return None
    return import_package(cur, path, name, replace=replace, progress=progress or _quiet)
