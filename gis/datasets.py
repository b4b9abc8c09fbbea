"""The embedded datasets in ``data/``: one package folder of GeoJSON per community."""

from __future__ import annotations

from pathlib import Path

from gis.db import Connection, transaction
from gis.errors import NotFound
from gis.importing import ImportReport, Progress, _quiet, import_package

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def available(data_dir: Path = DATA_DIR) -> list[str]:
    """Names of the embedded datasets (folders holding a jurisdiction.geojson)."""
    return sorted(p.parent.name for p in data_dir.glob("*/jurisdiction.geojson"))


def dataset_path(name: str, data_dir: Path = DATA_DIR) -> Path:
    """The package folder of dataset ``name``."""
    if name not in available(data_dir):
        raise NotFound(f"no embedded dataset {name!r}; there are: {', '.join(available(data_dir))}")
    return data_dir / name


def is_loaded(conn: Connection, slug: str) -> bool:
    """Whether a jurisdiction ``slug`` exists."""
    with transaction(conn) as cur:
        cur.execute("SELECT 1 FROM jurisdiction WHERE slug = %s", (slug,))
        return cur.fetchone() is not None


def load(conn: Connection, name: str, *, replace: bool = False, actor: str | None = None,
         progress: Progress = _quiet) -> ImportReport | None:
    """Load dataset ``name`` as jurisdiction ``name``; None when it is there already."""
    path = dataset_path(name)
    if is_loaded(conn, name) and not replace:
        return None
    return import_package(conn, path, name, replace=replace, actor=actor, progress=progress)
