"""The notebooks in notebooks/ run top to bottom, with no error, on the run's database."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
assert NOTEBOOKS, "notebooks/ holds no notebook"  # a collection error rather than zero tests


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, database_url, monkeypatch):
    monkeypatch.setenv("GRIDMAP_DATABASE_URL", database_url)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any("grids," in "".join(o.get("text", "")) for o in outputs)
    assert any("text/html" in o.get("data", {}) for o in outputs)  # the tables and the map

