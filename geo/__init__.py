"""Geodata plumbing without Streamlit: coordinate systems (:mod:`geo.crs`), reading and
writing layers (:mod:`geo.io`), cell values (:mod:`geo.values`), rasters (:mod:`geo.raster`)
and the one error type (:mod:`geo.errors`). Import from the submodules."""

__all__: list[str] = []
