"""A simple command answers at once: it imports what its job uses and nothing heavy besides
(issue 16). Python reports every module a process imports (PYTHONPROFILEIMPORTTIME)."""

from __future__ import annotations

import json

import pytest

# Never used by these commands: the data frames, maps, graphs, plots and solvers of other
# commands, and pydantic-settings (the database URL is read alone, see gis.settings_fields).
HEAVY = ("pandas", "geopandas", "folium", "networkx", "matplotlib", "scipy", "pymatching", "pydantic_settings")
# Geometry: checking a layout needs it, counting and listing do not.
GEOMETRY = ("numpy", "shapely", "pyproj")


def imported(stderr: str) -> set[str]:
    """The top-level packages a process imported, from its import-time report."""
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in stderr.splitlines()
            if line.startswith("import time:") and "|" in line}


@pytest.mark.parametrize(("args", "unused"), [
    (("stats", "huamao", "--json"), HEAVY + GEOMETRY),
    (("jurisdiction", "list", "--json"), HEAVY + GEOMETRY),
    (("grids", "check", "huamao", "--json"), HEAVY),
])
def test_a_simple_command_imports_only_what_it_uses(cli, monkeypatch, args, unused):
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")
    proc = cli(*args)
    json.loads(proc.stdout)  # it still answers
    modules = imported(proc.stderr)
    assert "gis" in modules
    assert not modules & set(unused), f"gridmap {' '.join(args)} imports {sorted(modules & set(unused))}"
