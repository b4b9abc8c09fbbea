"""Grids (网格): automatic division, checks, drafts and publishing."""
