"""gridmap HTTP API (FastAPI): thin routes over :mod:`gis`."""
