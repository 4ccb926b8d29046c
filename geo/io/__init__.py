"""Reading the layers planners bring and writing the layers other systems take.

Reading
-------
:func:`read_layer_with_report` reads one layer and returns it in EPSG:4326 together with a
:class:`ReadReport` saying what was done to it (rows read and kept, geometries repaired or
dropped with their row numbers, the coordinate system and encoding used, warnings such as
"the data lies far from Shenzhen"). :func:`read_layer` is the same without the report.

Accepted sources:

- a path (``str`` / :class:`pathlib.Path`) to a ``.geojson``/``.json``, ``.gpkg``, ``.shp``,
  ``.zip``, ``.csv``, ``.xlsx`` file, or to a folder holding one Shapefile;
- the bytes of an upload (``bytes``, ``bytearray``, ``memoryview`` or a binary file-like
  object such as Streamlit's ``UploadedFile``) together with its file name, passed as
  ``filename=`` (an object's own ``.name`` is used when ``filename`` is not given). The bytes
  are written to a private temporary folder (created by :func:`tempfile.mkdtemp`, mode 0700)
  which is removed before the function returns, whatever happens.

A ``.zip`` is checked before anything is extracted: entries with absolute paths, ``..``
components or symbolic links, encrypted entries, more than 10 000 entries, or a total
uncompressed size over ``max_bytes`` reject the whole archive. Extraction itself also stops
once ``max_bytes`` have been written, in case the sizes in the archive lie.

Coordinate systems
------------------
- A CRS embedded in the file (``.prj``, GeoPackage, GeoJSON) is used and the layer is
  reprojected to EPSG:4326. When ``coord_system`` names GCJ-02 or BD-09 as well, the
  reprojected lon/lat are then shifted back to WGS84 (Gaode exports are often labelled
  EPSG:4326 although their numbers are GCJ-02).
- Without an embedded CRS, ``coord_system`` (a CRS string, an EPSG code, ``gcj02`` or
  ``bd09``) says which system the numbers are in; with neither, :class:`InputError`.
- CSV/XLSX tables carry no CRS. When ``coord_system`` is not given and every coordinate lies
  in the lon/lat range, they are read as WGS84 longitude/latitude and the report warns that
  this was assumed and that Gaode/Tencent (GCJ-02) or Baidu (BD-09) data needs
  ``coord_system``. Coordinates outside that range without ``coord_system`` are an error.
- Projected coordinates (metres) labelled as geographic, by the file or by ``coord_system``,
  are an error telling the user to pick the projected CRS. The one exception: GeoJSON is
  labelled EPSG:4326 by definition, so when its numbers are metres and ``coord_system`` names
  a projected CRS, ``coord_system`` is used.
- Before any of this, longitude and latitude swapped (x in 20–26, y in 109–118: the
  Shenzhen box :data:`SHENZHEN_BOUNDS` with its axes exchanged, while the numbers do not fit
  the box as given) raise :class:`InputError` with ``code="swapped_axes"``, so the page can
  offer to swap and read again; ``swap_xy=True`` exchanges x and y before the coordinate
  system is applied and the report notes it (``axes_swapped``). A few records swapped
  among correct ones raise ``code="swapped_rows"`` naming them.
- After conversion, a layer reaching outside lon 109–118°, lat 20–26° gets a warning: a wrong
  CRS choice is the commonest import mistake. The records reaching outside that box are
  listed by row in ``ReadReport.outside_rows`` and a warning naming them; they are kept.
  :func:`rows_outside` finds them in any frame, and :func:`drop_rows` drops given report
  rows, returning a new frame and a report that says so.

Values: text is kept as the file has it. GeoJSON is read with GDAL's ``DATE_AS_STRING=YES``
so ids such as ``T123456`` or ``2023/05/01`` are not turned into times and dates; CSV/XLSX
cells become numbers only when a whole column is plain decimals (codes with leading zeros
and long ids excepted); ``1,234.5``, full-width digits, ``NA``/``NULL`` stay text. Real Excel
dates arrive as dates.

Geometry clean-up: null and empty geometries are dropped; invalid ones are repaired with
:func:`shapely.make_valid`, keeping only the parts of the original dimension (a self-crossing
"bow-tie" polygon becomes a MultiPolygon of its two triangles). Z values are dropped. Both
are counted in the report with their row numbers: feature numbers from 1 for GIS formats, the
spreadsheet row (header row included) for CSV/XLSX.

Writing
-------
:func:`write_geojson` (RFC 7946, optional GCJ-02/BD-09 variant), :func:`write_gpkg`,
:func:`write_csv` and :func:`write_xlsx`. Attribute text is written as it is; HTML in a name
stays text and is escaped where it is displayed. Cells and column names a spreadsheet would
run as formulas are guarded (an apostrophe in CSV, removed again on reading; a text cell in
XLSX).

Modules
-------
This package is a facade; import from ``geo.io``. The work is done in private modules:
``_read`` (entry points, dispatch on the file type), ``_sources`` (uploads, paths, folders,
zip safety and extraction, size limits), ``_gis`` (GeoJSON / GeoPackage / Shapefile through
pyogrio, attribute encodings), ``_tables`` (CSV / XLSX: header detection, coordinate
columns, D°M′S″ parsing), ``_report`` (:class:`ReadReport`, :class:`Note`, geometry repair
and the common clean-up), ``_rows`` (:func:`rows_outside`, :func:`drop_rows`) and
``_writers`` (GeoJSON, GeoPackage, CSV, XLSX). Coordinate
system decisions live in :mod:`geo.crs` (:func:`geo.crs.interpret_crs`), cell-value
conversion in :mod:`geo.values`.
"""

from __future__ import annotations

from geo.crs import SHENZHEN_BOUNDS
from geo.errors import InputError
from geo.io._read import DEFAULT_MAX_BYTES, read_layer, read_layer_with_report
from geo.io._report import Note, ReadReport
from geo.io._rows import drop_rows, rows_outside
from geo.io._writers import write_csv, write_geojson, write_gpkg, write_xlsx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SHENZHEN_BOUNDS",
    "InputError",
    "Note",
    "ReadReport",
    "drop_rows",
    "read_layer",
    "read_layer_with_report",
    "rows_outside",
    "write_csv",
    "write_geojson",
    "write_gpkg",
    "write_xlsx",
]
