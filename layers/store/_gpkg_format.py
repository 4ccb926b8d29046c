"""The GeoPackage side of the store: table names, GeoPackage binary geometry, the spatial
reference rows and the schema SQL.

Method: geometries are written as GeoPackage 1.3 binary (§2.1.3) — the ``GP`` header with
the SRS id and the ``[minx, maxx, miny, maxy]`` envelope, then 2-D ISO WKB little-endian,
empty geometries flagged and without an envelope — and read back in any byte order and
envelope kind (extended geometries are refused). The schema SQL creates the GeoPackage
system tables and the two store tables with ``CREATE TABLE IF NOT EXISTS`` only, so it can
run twice; the SRS rows are EPSG:4326 and the two undefined systems the standard
requires.
"""

from __future__ import annotations

import struct

import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.errors import InputError

__all__ = [
    "BASE_DATA_TABLE",
    "EDITS_TABLE",
    "GEOMETRY_COLUMN",
    "GPKG_APPLICATION_ID",
    "GPKG_USER_VERSION",
    "SCENARIOS_TABLE",
    "SRS_ID",
    "gpkg_geometry_blob",
    "parse_gpkg_geometry",
]


SCENARIOS_TABLE = "scenarios"
#: The named versions of the base layers (administrators' imports).
BASE_DATA_TABLE = "base_data_versions"
EDITS_TABLE = "scenario_edits"
GEOMETRY_COLUMN = "geom"
SRS_ID = 4326
#: SQLite ``application_id`` of a GeoPackage ('GPKG').
GPKG_APPLICATION_ID = 0x47504B47
#: SQLite ``user_version`` of GeoPackage 1.3.
GPKG_USER_VERSION = 10300

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_geometry_blob(geometry: BaseGeometry | None, srs_id: int = SRS_ID) -> bytes | None:
    """Encode a geometry as GeoPackage binary: ``GP`` header, envelope, then ISO WKB.

    The header (GeoPackage 1.3, §2.1.3) is the magic ``GP``, version 0, a flags byte
    (bit 0 little-endian, bits 1–3 envelope kind, bit 4 empty), the ``srs_id`` as int32,
    and the envelope ``[minx, maxx, miny, maxy]`` as doubles; empty geometries carry no
    envelope. None stays None (SQL NULL).
    """
    if geometry is None:
        return None
    wkb = shapely.to_wkb(geometry, byte_order=1, flavor="iso", output_dimension=2)
    if geometry.is_empty:
        return b"GP" + bytes([0, 0b0001_0001]) + struct.pack("<i", srs_id) + wkb
    minx, miny, maxx, maxy = geometry.bounds
    header = b"GP" + bytes([0, 0b0000_0011])
    return header + struct.pack("<i4d", srs_id, minx, maxx, miny, maxy) + wkb


def parse_gpkg_geometry(blob: bytes | None) -> BaseGeometry | None:
    """Decode GeoPackage binary geometry (any byte order and envelope kind)."""
    if blob is None:
        return None
    data = bytes(blob)
    if len(data) < 8 or data[:2] != b"GP":
        raise InputError(
            "几何数据不是 GeoPackage 格式。", "Geometry blob is not GeoPackage binary."
        )
    flags = data[3]
    if flags & 0b0010_0000:
        raise InputError(
            "不支持扩展 GeoPackage 几何。", "Extended GeoPackage geometries are not supported."
        )
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_BYTES:
        raise InputError("GeoPackage 几何头无效。", "Invalid GeoPackage geometry header.")
    return shapely.from_wkb(data[8 + _ENVELOPE_BYTES[envelope] :])


def _srs_rows() -> list[tuple]:
    wkt = CRS.from_epsg(4326).to_wkt("WKT1_GDAL")
    return [
        (
            "WGS 84 geodetic",
            4326,
            "EPSG",
            4326,
            wkt,
            "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
        ),
        (
            "Undefined cartesian SRS",
            -1,
            "NONE",
            -1,
            "undefined",
            "undefined cartesian coordinate reference system",
        ),
        (
            "Undefined geographic SRS",
            0,
            "NONE",
            0,
            "undefined",
            "undefined geographic coordinate reference system",
        ),
    ]


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL PRIMARY KEY,
    organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL,
    definition TEXT NOT NULL,
    description TEXT
);
CREATE TABLE IF NOT EXISTS gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY,
    data_type TEXT NOT NULL,
    identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    min_x DOUBLE,
    min_y DOUBLE,
    max_x DOUBLE,
    max_y DOUBLE,
    srs_id INTEGER,
    CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL,
    z TINYINT NOT NULL,
    m TINYINT NOT NULL,
    CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
    CONSTRAINT uk_gc_table_name UNIQUE (table_name),
    CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
    CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE IF NOT EXISTS {SCENARIOS_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    scenario_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT,
    author TEXT,
    created_at DATETIME,
    updated_at DATETIME,
    base_id TEXT,
    version INTEGER NOT NULL,
    edit_count INTEGER NOT NULL,
    base_data_version TEXT
);
CREATE TABLE IF NOT EXISTS {EDITS_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    {GEOMETRY_COLUMN} GEOMETRY,
    scenario_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    parcel_ids TEXT NOT NULL,
    attributes TEXT NOT NULL,
    author TEXT,
    created_at DATETIME,
    note TEXT,
    UNIQUE (scenario_id, seq)
);
CREATE TABLE IF NOT EXISTS {BASE_DATA_TABLE} (
    fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    content_id TEXT NOT NULL,
    recorded_at DATETIME NOT NULL,
    author TEXT
);
"""
