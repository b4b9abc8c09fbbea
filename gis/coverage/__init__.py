"""Courier coverage: walking distance to facilities, service areas, load, gaps and siting."""
