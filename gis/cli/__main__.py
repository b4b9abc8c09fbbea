"""``python -m gis.cli``: the ``gridmap`` command."""

from gis.cli import run

run()
