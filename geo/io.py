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
- After conversion, a layer reaching outside lon 109–118°, lat 20–26° gets a warning: a wrong
  CRS choice is the commonest import mistake.

Geometry clean-up: null and empty geometries are dropped; invalid ones are repaired with
:func:`shapely.make_valid`, keeping only the parts of the original dimension (a self-crossing
"bow-tie" polygon becomes a MultiPolygon of its two triangles). Z values are dropped. Both
are counted in the report with their row numbers: feature numbers from 1 for GIS formats, the
spreadsheet row (header row included) for CSV/XLSX.

Writing
-------
:func:`write_geojson` (RFC 7946, optional GCJ-02/BD-09 variant), :func:`write_gpkg`,
:func:`write_csv` and :func:`write_xlsx`. Attribute text is written as it is; HTML in a name
stays text and is escaped where it is displayed.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import re
import stat
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS

from geo.crs import (
    BD09,
    CGCS2000,
    GCJ02,
    WGS84,
    gdf_from_system,
    is_obfuscated_system,
    normalise_system_name,
    parse_crs,
    require_crs,
    shift_geometries,
    to_wgs84,
)
from geo.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SHENZHEN_BOUNDS",
    "InputError",
    "Note",
    "ReadReport",
    "read_layer",
    "read_layer_with_report",
    "write_csv",
    "write_geojson",
    "write_gpkg",
    "write_xlsx",
]

#: Default size limit for one input (file, folder Shapefile, upload, unpacked zip): 500 MB.
DEFAULT_MAX_BYTES = 500 * 1024**2
#: (min lon, min lat, max lon, max lat) outside which a layer earns a "check the CRS" warning.
SHENZHEN_BOUNDS = (109.0, 20.0, 118.0, 26.0)

_FORMATS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GeoPackage",
    ".shp": "Shapefile",
    ".zip": "ZIP",
    ".csv": "CSV",
    ".xlsx": "XLSX",
    ".xlsm": "XLSX",
    ".xls": "XLS",
}
_GIS_FORMATS = ("GeoJSON", "GeoPackage", "Shapefile")
_TABLE_FORMATS = ("CSV", "XLSX")
_SUPPORTED_TEXT = ".geojson .json .gpkg .shp .zip .csv .xlsx，或包含 Shapefile 的文件夹"
_SUPPORTED_TEXT_EN = ".geojson .json .gpkg .shp .zip .csv .xlsx, or a folder holding a Shapefile"

_MAX_ZIP_ENTRIES = 10_000
_MAX_LISTED = 20
_HEADER_SCAN_ROWS = 10
_PYOGRIO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)

# Coordinate column pairs, compared after _normalise_header; the first pair found wins.
_COORD_PAIRS: tuple[tuple[str, str], ...] = (
    ("经度", "纬度"),
    ("longitude", "latitude"),
    ("lon", "lat"),
    ("lng", "lat"),
    ("long", "lat"),
    ("x坐标", "y坐标"),
    ("东坐标", "北坐标"),
    ("东向坐标", "北向坐标"),
    ("pointx", "pointy"),
    ("xcoord", "ycoord"),
    ("easting", "northing"),
    ("x", "y"),
)
# Headers merely containing these (e.g. 中心点经度, 高德经度) are accepted when unambiguous.
_COORD_SUBSTRINGS: tuple[tuple[str, str], ...] = (("经度", "纬度"), ("longitude", "latitude"))
_WKT_COLUMNS = ("wkt", "geometry", "geom", "thegeom", "shape", "几何", "geometrywkt")
_ACCEPTED_NAMES_TEXT = (
    "经度/纬度, lon/lat, lng/lat, longitude/latitude, x/y, X坐标/Y坐标, 东坐标/北坐标, "
    "POINT_X/POINT_Y, easting/northing; WKT: wkt/geometry"
)

_DMS_RE = (
    r"^\s*(?P<deg>\d+(?:\.\d+)?)\s*[°度]\s*"
    r"(?:(?P<min>\d+(?:\.\d+)?)\s*['′分]\s*)?"
    r"(?:(?P<sec>\d+(?:\.\d+)?)\s*(?:\"|″|''|秒)\s*)?"
    r"(?P<hem>[EWNSewns东西南北])?\s*$"
)


class Note(NamedTuple):
    """One bilingual line of a :class:`ReadReport`."""

    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class ReadReport:
    """What :func:`read_layer_with_report` found and did, for the import page to show.

    Attributes
    ----------
    source : str
        The file name the user knows (the upload's name, not a temporary path).
    format : str
        ``GeoJSON``, ``GeoPackage``, ``Shapefile``, ``CSV`` or ``XLSX`` (of the member read,
        for a zip or folder).
    member : str or None
        The file read inside a zip or folder.
    layer : str or None
        The GeoPackage layer or Excel sheet read.
    available_layers : list of str
        All layers/sheets/members the user could have chosen from.
    encoding : str or None
        Text encoding used for Shapefile attributes or CSV text.
    rows_read, rows_kept : int
        Records in the source, and features in the returned frame.
    source_crs : str or None
        The system the coordinates were interpreted in (``EPSG:4547``, ``GCJ-02`` …).
    crs_origin : str or None
        ``embedded``, ``coord_system``, ``embedded+shift`` (embedded CRS, then a GCJ-02/BD-09
        shift) or ``assumed`` (table read as WGS84 lon/lat without being told).
    x_col, y_col, wkt_col : str or None
        The table columns the geometry was built from.
    repaired_rows, dropped_rows, collapsed_rows : list of int
        Rows whose geometry was repaired; rows dropped for a null/empty geometry or missing /
        non-numeric coordinates; rows dropped because repair left nothing of their type.
    row_kind : str
        ``feature`` (numbers count features from 1) or ``sheet_row`` (spreadsheet rows,
        header row included, as Excel shows them).
    notes, warnings : list of Note
        Informational lines, and lines the user should act on.
    """

    source: str
    format: str = ""
    member: str | None = None
    layer: str | None = None
    available_layers: list[str] = field(default_factory=list)
    encoding: str | None = None
    rows_read: int = 0
    rows_kept: int = 0
    source_crs: str | None = None
    crs_origin: str | None = None
    x_col: str | None = None
    y_col: str | None = None
    wkt_col: str | None = None
    repaired_rows: list[int] = field(default_factory=list)
    dropped_rows: list[int] = field(default_factory=list)
    collapsed_rows: list[int] = field(default_factory=list)
    row_kind: Literal["feature", "sheet_row"] = "feature"
    notes: list[Note] = field(default_factory=list)
    warnings: list[Note] = field(default_factory=list)

    @property
    def n_repaired(self) -> int:
        """Number of geometries repaired and kept."""
        return len(self.repaired_rows)

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped for lacking a usable geometry (null, empty, collapsed)."""
        return len(self.dropped_rows) + len(self.collapsed_rows)

    def messages(self, lang: str = "zh") -> list[str]:
        """Lines describing the import, in Chinese (``zh``, default) or English (``en``)."""
        lines = [self._summary().text(lang)]
        if self.source_crs:
            lines.append(self._crs_line().text(lang))
        if self.encoding:
            lines.append(
                Note(f"文字编码：{self.encoding}", f"Text encoding: {self.encoding}").text(lang)
            )
        for rows, zh, en in (
            (self.repaired_rows, "修复了 {n} 个无效几何", "repaired {n} invalid geometries"),
            (self.dropped_rows, self._dropped_zh(), self._dropped_en()),
            (
                self.collapsed_rows,
                "{n} 个几何修复后为空，已删除",
                "dropped {n} geometries that vanished when repaired",
            ),
        ):
            if rows:
                where = self._rows_text(rows, lang)
                n = len(rows)
                text = en.format(n=n) if lang == "en" else zh.format(n=n)
                lines.append(text[0].upper() + text[1:] + where)
        lines.extend(n.text(lang) for n in self.notes)
        lines.extend(self.warning_messages(lang))
        return lines

    def warning_messages(self, lang: str = "zh") -> list[str]:
        """Only the lines the user should act on (wrong CRS suspected, assumptions made)."""
        return [w.text(lang) for w in self.warnings]

    def _summary(self) -> Note:
        what = f"{self.source}" + (f" → {self.member}" if self.member else "")
        layer_zh = f"，图层「{self.layer}」" if self.layer else ""
        layer_en = f", layer '{self.layer}'" if self.layer else ""
        return Note(
            f"读取 {what}（{self.format}{layer_zh}）：{self.rows_read} 条记录，"
            f"保留 {self.rows_kept} 条",
            f"Read {what} ({self.format}{layer_en}): {self.rows_read} records, "
            f"{self.rows_kept} kept",
        )

    def _crs_line(self) -> Note:
        how = {
            "embedded": ("文件自带", "embedded in the file"),
            "coord_system": ("按所选坐标系", "as chosen"),
            "embedded+shift": ("文件自带，并按所选系统纠偏", "embedded, then shifted as chosen"),
            "assumed": ("未指定，按默认假设", "not given, assumed"),
        }.get(self.crs_origin or "", ("", ""))
        return Note(
            f"原坐标系：{self.source_crs}（{how[0]}），已转换为 WGS84 (EPSG:4326)",
            f"Source coordinate system: {self.source_crs} ({how[1]}), converted to WGS84 "
            "(EPSG:4326)",
        )

    def _dropped_zh(self) -> str:
        if self.row_kind == "sheet_row":
            return "删除了 {n} 行坐标缺失或不是数字的记录"
        return "删除了 {n} 个空几何"

    def _dropped_en(self) -> str:
        if self.row_kind == "sheet_row":
            return "dropped {n} rows with missing or non-numeric coordinates"
        return "dropped {n} null or empty geometries"

    def _rows_text(self, rows: list[int], lang: str) -> str:
        shown = ", ".join(str(r) for r in rows[:_MAX_LISTED])
        more = " …" if len(rows) > _MAX_LISTED else ""
        if lang == "en":
            unit = "rows" if self.row_kind == "sheet_row" else "features"
            return f" ({unit} {shown}{more})"
        unit = "表格行号" if self.row_kind == "sheet_row" else "要素序号"
        return f"（{unit}：{shown}{more}）"


@dataclass
class _Options:
    display: str
    layer: str | None
    coord_system: str | None
    x_col: str | None
    y_col: str | None
    encoding: str | None
    max_bytes: int
    stack: contextlib.ExitStack


@dataclass
class _Parsed:
    """A layer straight from its reader, before clean-up and CRS handling."""

    gdf: gpd.GeoDataFrame
    crs: CRS | None
    rows: np.ndarray  # row number of each record as the report shows it
    tabular: bool


# --------------------------------------------------------------------------------------
# Public reading API
# --------------------------------------------------------------------------------------


def read_layer(
    source: str | os.PathLike | bytes | bytearray | memoryview | BinaryIO,
    *,
    filename: str | None = None,
    layer: str | None = None,
    coord_system: str | int | None = None,
    x_col: str | None = None,
    y_col: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> gpd.GeoDataFrame:
    """Read one layer from a file, folder or upload into a GeoDataFrame in EPSG:4326.

    Same as :func:`read_layer_with_report` without the report; see it for the parameters.
    """
    gdf, _ = read_layer_with_report(
        source,
        filename=filename,
        layer=layer,
        coord_system=coord_system,
        x_col=x_col,
        y_col=y_col,
        encoding=encoding,
        max_bytes=max_bytes,
    )
    return gdf


def read_layer_with_report(
    source: str | os.PathLike | bytes | bytearray | memoryview | BinaryIO,
    *,
    filename: str | None = None,
    layer: str | None = None,
    coord_system: str | int | None = None,
    x_col: str | None = None,
    y_col: str | None = None,
    encoding: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[gpd.GeoDataFrame, ReadReport]:
    """Read one layer and report what was repaired, dropped, assumed and converted.

    Parameters
    ----------
    source : path, bytes or binary file-like
        A file or folder path, or the content of an upload (then ``filename`` is needed
        unless the object has a ``.name``).
    filename : str, optional
        Name of the uploaded file; only its extension and base name are used.
    layer : str, optional
        GeoPackage layer, Excel sheet, or file inside a zip/folder holding several.
    coord_system : str or int, optional
        The system the coordinates are in when the file does not say (a CRS string such as
        ``"EPSG:4547"``, an EPSG code, ``"gcj02"`` or ``"bd09"``); GCJ-02/BD-09 also apply
        on top of an embedded CRS.
    x_col, y_col : str, optional
        Coordinate columns of a CSV/XLSX table, overriding the recognised names.
    encoding : str, optional
        Text encoding of a CSV or of Shapefile attributes, overriding detection.
    max_bytes : int, default 500 MB
        Largest input accepted, in bytes; also caps the unpacked size of a zip.

    Returns
    -------
    gdf : GeoDataFrame
        EPSG:4326, index 0..n-1, source columns kept (table coordinate columns included).
    report : ReadReport

    Raises
    ------
    InputError
        For every problem the user can fix, with a Chinese line first and English after.

    Notes
    -----
    Uploads and zip contents are written only inside private temporary folders, removed
    before this function returns; the returned frame holds no reference to them.
    """
    options = dict(
        layer=layer,
        coord_system=_normalise_coord_system(coord_system),
        x_col=x_col,
        y_col=y_col,
        encoding=_check_encoding(encoding),
        max_bytes=int(max_bytes),
    )
    with contextlib.ExitStack() as stack:
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            opts = _Options(display=path.name or str(path), stack=stack, **options)
            return _read_path(path, opts)
        name = filename or getattr(source, "name", None)
        if not name:
            raise InputError(
                "上传的数据缺少文件名，无法判断格式。",
                "The uploaded data has no file name, so its format is unknown. Pass filename=.",
            )
        display = Path(str(name).replace("\\", "/")).name
        opts = _Options(display=display, stack=stack, **options)
        data = _read_upload(source, opts)
        path = _private_dir(opts) / _safe_basename(display)
        path.write_bytes(data)
        return _read_path(path, opts)


# --------------------------------------------------------------------------------------
# Sources: uploads, paths, folders, zips
# --------------------------------------------------------------------------------------


def _read_upload(source: Any, opts: _Options) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif hasattr(source, "getvalue"):
        # In-memory uploads (Streamlit's UploadedFile is a BytesIO): the whole content,
        # whatever the read position left by earlier previews.
        data = source.getvalue()
    elif hasattr(source, "read"):
        # One byte beyond the limit is enough to know it is too big without reading it all.
        data = source.read(opts.max_bytes + 1)
        if isinstance(data, str):
            raise InputError(
                "上传的数据应为二进制内容（bytes），而不是文本。",
                "Uploads must be binary (bytes), not text. Open the file in 'rb' mode.",
                source=opts.display,
            )
    else:
        raise InputError(
            f"无法读取类型为 {type(source).__name__} 的数据源。",
            f"Cannot read a source of type {type(source).__name__}; give a path or bytes.",
            source=opts.display,
        )
    _check_size(len(data), opts)
    return data


def _private_dir(opts: _Options) -> Path:
    # mkdtemp creates the folder readable by this user only; ExitStack removes it.
    return Path(opts.stack.enter_context(tempfile.TemporaryDirectory(prefix="pingshan_io_")))


def _safe_basename(name: str) -> str:
    base = re.sub(r"[\x00-\x1f/\\:]", "_", name).strip().lstrip(".") or "upload"
    stem, suffix = os.path.splitext(base)
    return stem[:100] + suffix[:16]  # file systems cap names at 255 bytes


def _check_size(size: int, opts: _Options) -> None:
    if size == 0:
        raise InputError(
            "文件是空的（0 字节）。请检查导出或上传是否完整。",
            "The file is empty (0 bytes). Check that it was exported or uploaded completely.",
            source=opts.display,
        )
    if size > opts.max_bytes:
        raise InputError(
            f"文件大小 {_mb(size)} 超过上限 {_mb(opts.max_bytes)}。请裁剪数据范围或只导出所需字段。",
            f"The file is {_mb(size)}, over the {_mb(opts.max_bytes)} limit. Clip it to the "
            "area needed or export fewer fields.",
            source=opts.display,
        )


def _mb(size: int) -> str:
    return f"{size / 1024**2:.1f} MB" if size >= 1024**2 else f"{size} B"


def _read_path(path: Path, opts: _Options) -> tuple[gpd.GeoDataFrame, ReadReport]:
    if not path.exists():
        raise InputError(
            "找不到文件。请检查路径和文件名。",
            "File not found. Check the path and the file name.",
            source=str(path),
        )
    report = ReadReport(source=opts.display)
    if path.is_dir():
        member = _pick_member(
            path, opts, recursive=False, report=report, what_zh="文件夹", what_en="folder"
        )
        return _read_file(member, opts, report)
    suffix = path.suffix.lower()
    if _FORMATS.get(suffix) == "ZIP":
        _check_size(path.stat().st_size, opts)
        folder = _private_dir(opts)
        _extract_zip(path, folder, opts)
        member = _pick_member(
            folder, opts, recursive=True, report=report, what_zh="压缩包", what_en="zip"
        )
        return _read_file(member, opts, report)
    return _read_file(path, opts, report)


def _read_file(
    path: Path, opts: _Options, report: ReadReport
) -> tuple[gpd.GeoDataFrame, ReadReport]:
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None or fmt == "ZIP":
        raise InputError(
            f"不支持的文件类型「{path.suffix or '无扩展名'}」。支持：{_SUPPORTED_TEXT}。",
            f"Unsupported file type '{path.suffix or 'no extension'}'. Supported: "
            f"{_SUPPORTED_TEXT_EN}.",
            source=opts.display,
        )
    if fmt == "XLS":
        raise InputError(
            "不支持旧版 Excel（.xls）。请在 Excel 中“另存为” .xlsx 或 CSV（UTF-8）后再导入。",
            "Old Excel (.xls) files are not supported. Save the sheet as .xlsx or CSV "
            "(UTF-8) in Excel and import that.",
            source=opts.display,
        )
    report.format = fmt
    if fmt == "Shapefile":
        parts = _shapefile_parts(path, opts)
        _check_size(sum(p.stat().st_size for p in parts.values()), opts)
        parsed = _read_shapefile(path, parts, opts, report)
    else:
        _check_size(path.stat().st_size, opts)
        if fmt == "GeoPackage":
            parsed = _read_gpkg(path, opts, report)
        elif fmt == "GeoJSON":
            parsed = _read_ogr(path, opts, layer=None, encoding=None)
        elif fmt == "CSV":
            parsed = _read_csv(path, opts, report)
        else:
            parsed = _read_xlsx(path, opts, report)
    gdf = _finish(parsed, opts, report)
    return gdf, report


def _pick_member(
    folder: Path, opts: _Options, *, recursive: bool, report: ReadReport, what_zh: str, what_en: str
) -> Path:
    """Choose the one readable file in a folder or unpacked zip (``layer`` may name it)."""
    files = folder.rglob("*") if recursive else folder.iterdir()
    found = sorted(
        p
        for p in files
        if p.is_file()
        and not any(part.startswith((".", "__MACOSX")) for part in p.relative_to(folder).parts)
    )
    geo = [p for p in found if _FORMATS.get(p.suffix.lower()) in _GIS_FORMATS]
    # A folder is the usual way to hand over a Shapefile; look only at .shp there.
    if not recursive:
        geo = [p for p in geo if p.suffix.lower() == ".shp"]
    tables = [p for p in found if _FORMATS.get(p.suffix.lower()) in (*_TABLE_FORMATS, "XLS")]
    candidates = geo or (tables if recursive else [])
    names = [p.relative_to(folder).as_posix() for p in candidates]
    report.available_layers = names
    if not candidates:
        listed = [p.relative_to(folder).as_posix() for p in found[:_MAX_LISTED]]
        raise InputError(
            f"{what_zh}中没有可读取的图层（需要 .shp/.geojson/.gpkg"
            f"{'/.csv/.xlsx' if recursive else ''}）。",
            f"The {what_en} holds no readable layer (expected .shp/.geojson/.gpkg"
            f"{'/.csv/.xlsx' if recursive else ''}).",
            source=opts.display,
            details=listed or ["（空 / empty）"],
        )
    if len(candidates) == 1:
        chosen = candidates[0]
    else:
        wanted = (opts.layer or "").strip().lower()
        matches = [
            p
            for p, n in zip(candidates, names, strict=True)
            if wanted and wanted in (n.lower(), p.name.lower(), p.stem.lower())
        ]
        if len(matches) != 1:
            raise InputError(
                f"{what_zh}中有 {len(candidates)} 个图层文件，请用“图层”选择其中一个。",
                f"The {what_en} holds {len(candidates)} layer files; choose one with layer=.",
                source=opts.display,
                details=names,
            )
        chosen = matches[0]
        opts.layer = None  # it named the file, not a layer inside it
    report.member = chosen.relative_to(folder).as_posix()
    return chosen


def _zip_member_name(info: zipfile.ZipInfo) -> str:
    # Archives made on Chinese Windows store names in GBK without the UTF-8 flag; Python
    # then decodes them as cp437, giving mojibake.
    name = info.filename
    if info.flag_bits & 0x800:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    return name


def _unsafe_zip_name(name: str, info: zipfile.ZipInfo) -> str | None:
    norm = name.replace("\\", "/")
    if "\x00" in norm:
        return "文件名含空字符 / NUL in name"
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm):
        return "绝对路径 / absolute path"
    if ".." in norm.split("/"):
        return "含 .. 上级目录 / '..' component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "符号链接 / symbolic link"
    return None


def _extract_zip(path: Path, dest: Path, opts: _Options) -> None:
    """Check every entry first, then extract into ``dest`` with a byte budget."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(
            "压缩包已损坏或不是 ZIP 文件。请重新打包（ZIP 格式）后再导入。",
            f"The archive is damaged or not a ZIP file ({exc}). Re-create it as a ZIP.",
            source=opts.display,
        ) from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > _MAX_ZIP_ENTRIES:
            raise InputError(
                f"压缩包中有 {len(infos)} 个条目，超过上限 {_MAX_ZIP_ENTRIES}。",
                f"The archive holds {len(infos)} entries, over the {_MAX_ZIP_ENTRIES} limit.",
                source=opts.display,
            )
        names = [_zip_member_name(i) for i in infos]
        unsafe = [
            f"{n}：{why}"
            for n, i in zip(names, infos, strict=True)
            for why in [_unsafe_zip_name(n, i) or _unsafe_zip_name(i.filename, i)]
            if why
        ]
        if unsafe:
            raise InputError(
                "压缩包含有不安全的路径（绝对路径、.. 或符号链接），已拒绝，未解压任何文件。"
                "请只打包数据文件本身后重试。",
                "The archive has unsafe entries (absolute paths, '..' or symbolic links); it "
                "was rejected and nothing was extracted. Zip only the data files and retry.",
                source=opts.display,
                details=unsafe[:_MAX_LISTED],
            )
        encrypted = [n for n, i in zip(names, infos, strict=True) if i.flag_bits & 0x1]
        if encrypted:
            raise InputError(
                "压缩包有密码保护，无法读取。请解除密码后重新打包。",
                "The archive is password-protected. Re-create it without a password.",
                source=opts.display,
                details=encrypted[:_MAX_LISTED],
            )
        declared = sum(i.file_size for i in infos)
        if declared > opts.max_bytes:
            raise _zip_too_big(declared, opts)
        budget = opts.max_bytes
        root = dest.resolve()
        for name, info in zip(names, infos, strict=True):
            if info.is_dir():
                continue
            target = (dest / name.replace("\\", "/")).resolve()
            if root not in target.parents:  # already excluded above; kept as a last guard
                raise InputError("压缩包路径不安全。", "Unsafe archive path.", source=opts.display)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as src, open(target, "wb") as out:
                    while chunk := src.read(1024 * 1024):
                        budget -= len(chunk)
                        if budget < 0:
                            raise _zip_too_big(opts.max_bytes + 1, opts)
                        out.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise InputError(
                    f"压缩包中的「{name}」已损坏，无法解压。请重新打包。",
                    f"'{name}' in the archive is damaged and cannot be extracted. Re-create "
                    f"the archive. ({exc})",
                    source=opts.display,
                ) from exc


def _zip_too_big(size: int, opts: _Options) -> InputError:
    return InputError(
        f"压缩包解压后大小 {_mb(size)} 超过上限 {_mb(opts.max_bytes)}，已拒绝（可能是压缩炸弹）。"
        "请只打包所需数据。",
        f"The archive unpacks to {_mb(size)}, over the {_mb(opts.max_bytes)} limit, and was "
        "rejected (possibly a zip bomb). Pack only the data needed.",
        source=opts.display,
    )


# --------------------------------------------------------------------------------------
# GIS formats (pyogrio)
# --------------------------------------------------------------------------------------


def _read_ogr(path: Path, opts: _Options, *, layer: str | None, encoding: str | None) -> _Parsed:
    try:
        gdf = pyogrio.read_dataframe(path, layer=layer, encoding=encoding, force_2d=True)
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(opts, exc) from exc
    crs = gdf.crs
    gdf = gdf.set_crs(None, allow_override=True)
    return _Parsed(gdf=gdf, crs=crs, rows=np.arange(1, len(gdf) + 1), tabular=False)


def _unreadable(opts: _Options, exc: Exception) -> InputError:
    return InputError(
        "文件无法读取，可能已损坏或格式与扩展名不符。请在 QGIS/ArcGIS 中打开检查，或重新导出。",
        "The file cannot be read; it may be damaged or not match its extension. Open it in "
        "QGIS/ArcGIS to check, or export it again.",
        source=opts.display,
        details=[f"GDAL: {exc}"],
    )


def _read_gpkg(path: Path, opts: _Options, report: ReadReport) -> _Parsed:
    try:
        listed = pyogrio.list_layers(path)
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(opts, exc) from exc
    spatial = [str(name) for name, geom_type in listed if geom_type is not None]
    report.available_layers = spatial
    if opts.layer is not None:
        if opts.layer not in spatial:
            raise InputError(
                f"GeoPackage 中没有名为「{opts.layer}」的空间图层。可选图层见下。",
                f"The GeoPackage has no spatial layer '{opts.layer}'. Layers are listed below.",
                source=opts.display,
                details=spatial or ["（无 / none）"],
            )
        chosen = opts.layer
    elif len(spatial) == 1:
        chosen = spatial[0]
    elif not spatial:
        raise InputError(
            "GeoPackage 中没有带几何的图层。",
            "The GeoPackage has no layer with geometry.",
            source=opts.display,
        )
    else:
        raise InputError(
            f"GeoPackage 中有 {len(spatial)} 个图层，请选择要导入的图层。",
            f"The GeoPackage holds {len(spatial)} layers; choose the one to import (layer=).",
            source=opts.display,
            details=spatial,
        )
    report.layer = chosen
    return _read_ogr(path, opts, layer=chosen, encoding=None)


def _shapefile_parts(path: Path, opts: _Options) -> dict[str, Path]:
    siblings = {
        p.suffix.lower(): p
        for p in path.parent.glob(_glob_escape(path.stem) + ".*")
        if p.stem == path.stem
    }
    missing = [ext for ext in (".shx", ".dbf") if ext not in siblings]
    if missing:
        raise InputError(
            f"Shapefile 缺少组成文件 {'、'.join(missing)}。请把同名的 .shp/.shx/.dbf/.prj/.cpg "
            "一起提供（可打包为 zip）。",
            f"The Shapefile lacks {', '.join(missing)}. Provide the .shp/.shx/.dbf/.prj/.cpg "
            "files of the same name together (a zip is fine).",
            source=opts.display,
        )
    return siblings


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _read_shapefile(
    path: Path, parts: dict[str, Path], opts: _Options, report: ReadReport
) -> _Parsed:
    # Without a .cpg GDAL decodes attributes as ISO-8859-1 (or the .dbf's code-page byte),
    # which turns GBK Chinese into mojibake silently. pyogrio decodes strictly when given
    # an encoding, so trying UTF-8 and then GB18030 (a superset of GBK) detects the right
    # one; GDAL's own guess is the last resort.
    if opts.encoding:
        attempts: list[str | None] = [opts.encoding]
    elif ".cpg" in parts:
        attempts = [None]
        cpg = parts[".cpg"].read_text(encoding="ascii", errors="replace").strip()
        report.encoding = f"{cpg} (.cpg)"
    else:
        attempts = ["UTF-8", "GB18030", None]
    for enc in attempts:
        try:
            parsed = _read_ogr(path, opts, layer=None, encoding=enc)
        except (UnicodeDecodeError, LookupError) as exc:
            if enc == opts.encoding:
                raise InputError(
                    f"无法用编码 {enc} 读取 Shapefile 属性。请换一种编码（如 GBK、UTF-8）或留空自动识别。",
                    f"The Shapefile attributes cannot be decoded as {enc}. Try another "
                    "encoding (GBK, UTF-8) or leave it empty to detect it.",
                    source=opts.display,
                ) from exc
            continue
        if enc is not None:
            report.encoding = "GBK/GB18030" if enc == "GB18030" else enc
        elif ".cpg" not in parts:
            report.encoding = "GDAL default"
            report.warnings.append(
                Note(
                    "属性文字既不是 UTF-8 也不是 GBK，中文可能显示为乱码。请提供 .cpg 文件或指定编码。",
                    "Attribute text is neither UTF-8 nor GBK and may be garbled. Provide a .cpg "
                    "file or give the encoding.",
                )
            )
        return parsed
    raise AssertionError("unreachable: the last attempt never raises a decode error")


# --------------------------------------------------------------------------------------
# Tables (CSV, XLSX)
# --------------------------------------------------------------------------------------


def _read_csv(path: Path, opts: _Options, report: ReadReport) -> _Parsed:
    data = path.read_bytes()
    tries = [opts.encoding] if opts.encoding else ["utf-8-sig", "gb18030"]
    text = None
    for enc in tries:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        report.encoding = {"utf-8-sig": "UTF-8", "gb18030": "GBK/GB18030"}.get(enc, enc)
        break
    if text is None:
        raise InputError(
            f"CSV 文字无法按 {' / '.join(tries)} 解码。请在 Excel 中另存为“CSV UTF-8”，或指定编码。",
            f"The CSV text cannot be decoded as {' / '.join(tries)}. Save it as 'CSV UTF-8' "
            "in Excel, or give the encoding.",
            source=opts.display,
        )
    delimiter = _guess_delimiter(text)
    # WKT of a detailed polygon easily passes csv's default 128 kB field limit.
    previous_limit = csv.field_size_limit(max(csv.field_size_limit(), len(text)))
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise InputError(
            "CSV 格式有误，无法解析。请检查引号和分隔符。",
            f"The CSV is malformed ({exc}). Check its quotes and separators.",
            source=opts.display,
        ) from exc
    finally:
        csv.field_size_limit(previous_limit)
    width = max((len(r) for r in records), default=0)
    raw = pd.DataFrame([r + [""] * (width - len(r)) for r in records], dtype=object)
    raw = raw.replace("", np.nan).map(_unguard_formula)
    return _table_to_points(raw, opts, report)


def _guess_delimiter(text: str) -> str:
    """The separator used most often outside quotes in the first lines; ',' by default."""
    # csv.Sniffer takes seconds on long WKT fields; counting is enough for real tables.
    lines = [line for line in text[: 256 * 1024].splitlines()[: _HEADER_SCAN_ROWS + 1] if line]
    unquoted = re.sub(r'"[^"]*"', "", "\n".join(lines))
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0 else ","


def _read_xlsx(path: Path, opts: _Options, report: ReadReport) -> _Parsed:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            sheets = [str(s) for s in book.sheet_names]
            report.available_layers = sheets
            if opts.layer is not None and opts.layer not in sheets:
                raise InputError(
                    f"Excel 中没有名为「{opts.layer}」的工作表。",
                    f"The workbook has no sheet '{opts.layer}'.",
                    source=opts.display,
                    details=sheets,
                )
            sheet = opts.layer if opts.layer is not None else sheets[0]
            raw = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    except InputError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(
            "Excel 文件无法读取，可能已损坏或加密。请在 Excel 中打开后另存为 .xlsx 再导入。",
            "The Excel file cannot be read; it may be damaged or encrypted. Open it in Excel "
            "and save it again as .xlsx.",
            source=opts.display,
            details=[str(exc)],
        ) from exc
    report.layer = sheet
    if len(sheets) > 1 and opts.layer is None:
        report.notes.append(
            Note(
                f"工作簿有 {len(sheets)} 个工作表，读取了第一个「{sheet}」。",
                f"The workbook has {len(sheets)} sheets; the first, '{sheet}', was read.",
            )
        )
    return _table_to_points(raw, opts, report)


def _normalise_header(name: Any) -> str:
    text = str(name).strip().lower()
    text = re.sub(r"[（(\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s_\-.:：°]", "", text)


def _find_coord_columns(
    columns: list[str], opts: _Options
) -> tuple[str | None, str | None] | str | None:
    """(x, y) column names (None where a named column is absent), a WKT column, or None."""
    if opts.x_col or opts.y_col:
        if not (opts.x_col and opts.y_col):
            raise InputError(
                "请同时指定 X（经度）列和 Y（纬度）列。",
                "Give both the x (longitude) and y (latitude) columns.",
                source=opts.display,
            )
        return _match_column(columns, opts.x_col), _match_column(columns, opts.y_col)
    norm = {c: _normalise_header(c) for c in columns}
    for x_name, y_name in _COORD_PAIRS:
        xs = [c for c in columns if norm[c] == x_name]
        ys = [c for c in columns if norm[c] == y_name]
        if xs and ys:
            return xs[0], ys[0]
    for x_part, y_part in _COORD_SUBSTRINGS:
        xs = [c for c in columns if x_part in norm[c]]
        ys = [c for c in columns if y_part in norm[c]]
        if len(xs) == 1 and len(ys) == 1:
            return xs[0], ys[0]
    wkt = [c for c in columns if norm[c] in _WKT_COLUMNS]
    return wkt[0] if wkt else None


def _match_column(columns: list[str], wanted: str) -> str | None:
    if wanted in columns:
        return wanted
    folded = [c for c in columns if c.strip().lower() == wanted.strip().lower()]
    return folded[0] if folded else None


def _header_row(raw: pd.DataFrame, opts: _Options) -> int:
    """Row holding the headers: the first, unless a title block sits above the table."""
    for i in range(min(_HEADER_SCAN_ROWS, len(raw))):
        names = [str(v).strip() for v in raw.iloc[i].tolist() if not _is_missing(v)]
        found = _find_coord_columns(names, opts)
        if isinstance(found, str) or (isinstance(found, tuple) and all(found)):
            return i
    return 0


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _promote_header(raw: pd.DataFrame, row: int) -> pd.DataFrame:
    header = raw.iloc[row].tolist()
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, value in enumerate(header):
        base = f"列{i + 1}" if _is_missing(value) or not str(value).strip() else str(value).strip()
        count = seen.get(base, 0)
        seen[base] = count + 1
        names.append(base if count == 0 else f"{base}.{count}")
    body = raw.iloc[row + 1 :].copy()
    body.columns = names
    return body.dropna(how="all")


def _infer_types(df: pd.DataFrame) -> pd.DataFrame:
    """Numbers become numbers, but codes such as 0012 or 18-digit ids stay text."""
    out = {}
    for col in df.columns:
        s = df[col]
        present = s.notna()
        if not present.any():
            out[col] = s.astype(object)
            continue
        nums = pd.to_numeric(s.where(present), errors="coerce")
        texts = s[present].astype(str).str.strip()
        code_like = texts.str.match(r"^[+-]?0\d") | (texts.str.count(r"\d") > 15)
        if nums[present].notna().all() and not code_like.any():
            out[col] = nums
        else:
            out[col] = s.infer_objects()
    return pd.DataFrame(out, index=df.index)


def _parse_coordinate(series: pd.Series) -> np.ndarray:
    """Decimal degrees or metres from numbers, numeric text or D°M′S″ text; NaN otherwise."""
    values = _as_float(pd.to_numeric(series, errors="coerce"))
    text = series.where(np.isnan(values) & series.notna().to_numpy())
    text = text.astype("string").str.strip()
    if text.notna().any():
        cleaned = pd.to_numeric(text.str.replace(r"[°度\s,]+$", "", regex=True), errors="coerce")
        values = np.where(np.isnan(values), _as_float(cleaned), values)
        parts = text.str.extract(_DMS_RE)
        deg = _as_float(pd.to_numeric(parts["deg"], errors="coerce"))
        minutes = np.nan_to_num(_as_float(pd.to_numeric(parts["min"], errors="coerce")))
        seconds = np.nan_to_num(_as_float(pd.to_numeric(parts["sec"], errors="coerce")))
        southern_or_western = parts["hem"].isin(["W", "S", "w", "s", "西", "南"])
        sign = np.where(southern_or_western.fillna(False).to_numpy(dtype=bool), -1.0, 1.0)
        dms = sign * (deg + minutes / 60.0 + seconds / 3600.0)
        values = np.where(np.isnan(values), dms, values)
    return values


def _as_float(values: pd.Series) -> np.ndarray:
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _table_to_points(raw: pd.DataFrame, opts: _Options, report: ReadReport) -> _Parsed:
    report.row_kind = "sheet_row"
    if raw.empty:
        raise InputError(
            "表格是空的，没有表头和数据。",
            "The table is empty: no header and no data.",
            source=opts.display,
        )
    header = _header_row(raw, opts)
    table = _promote_header(raw, header)
    columns = [str(c) for c in table.columns]
    found = _find_coord_columns(columns, opts)
    if found is None or (isinstance(found, tuple) and not all(found)):
        missing = (
            [n for n, c in ((opts.x_col, found[0]), (opts.y_col, found[1])) if not c]
            if isinstance(found, tuple)
            else []
        )
        zh_missing = f"找不到指定的列 {'、'.join(missing)}。" if missing else "找不到坐标列。"
        en_missing = (
            f"Columns {', '.join(missing)} not found. "
            if missing
            else "No coordinate columns found. "
        )
        raise InputError(
            zh_missing + f"表格中的列：{'、'.join(columns)}。可识别的列名：{_ACCEPTED_NAMES_TEXT}；"
            "也可以手动指定 X/Y 列。",
            en_missing + f"Columns in the table: {', '.join(columns)}. Recognised names: "
            f"{_ACCEPTED_NAMES_TEXT}; or choose the x/y columns yourself.",
            source=opts.display,
        )
    rows = table.index.to_numpy() + 1  # spreadsheet rows (raw row 0 is sheet row 1)
    table = _infer_types(table).reset_index(drop=True)
    if isinstance(found, tuple):
        x_name, y_name = found
        report.x_col, report.y_col = x_name, y_name
        x = _parse_coordinate(table[x_name])
        y = _parse_coordinate(table[y_name])
        ok = np.isfinite(x) & np.isfinite(y)
        geoms = np.full(len(table), None, dtype=object)
        geoms[ok] = shapely.points(x[ok], y[ok])
        # Coordinates as numbers, even where cells held text such as 114°21′E.
        table[x_name] = np.where(ok, x, np.nan)
        table[y_name] = np.where(ok, y, np.nan)
    else:
        report.wkt_col = found
        texts = table[found].astype("string").to_numpy(dtype=object, na_value=None)
        geoms = shapely.from_wkt(texts, on_invalid="ignore")
        table = table.drop(columns=[found])
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, index=table.index))
    return _Parsed(gdf=gdf, crs=None, rows=rows, tabular=True)


# --------------------------------------------------------------------------------------
# Clean-up, CRS, sanity checks
# --------------------------------------------------------------------------------------


def _finish(parsed: _Parsed, opts: _Options, report: ReadReport) -> gpd.GeoDataFrame:
    gdf, rows = parsed.gdf, parsed.rows
    report.rows_read = len(gdf)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    report.dropped_rows = rows[~usable].tolist()
    gdf, rows, geoms = gdf.loc[usable], rows[usable], geoms[usable]

    geoms, repaired, collapsed = _repair(geoms)
    report.repaired_rows = rows[repaired & ~collapsed].tolist()
    report.collapsed_rows = rows[collapsed].tolist()
    keep = ~collapsed
    gdf = gdf.loc[keep].copy()
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms[keep], index=gdf.index))
    gdf = gdf.reset_index(drop=True)
    if len(gdf) == 0:
        raise InputError(
            f"共 {report.rows_read} 条记录，但没有一条带有可用的几何或坐标。请检查坐标列或几何数据。",
            f"None of the {report.rows_read} records has a usable geometry or coordinates. "
            "Check the coordinate columns or the geometries.",
            source=opts.display,
        )

    out = _resolve_crs(gdf, parsed.crs, opts, report, parsed.tabular)
    if parsed.tabular and not _inside_shenzhen_box(out) and report.crs_origin != "assumed":
        # Chinese surveying names northing X and easting Y; tables often follow it.
        swapped = gdf.set_geometry(
            shapely.transform(np.asarray(gdf.geometry.values), lambda c: c[:, ::-1])
        )
        trial = ReadReport(source=report.source)
        try:
            alt = _resolve_crs(swapped, parsed.crs, opts, trial, parsed.tabular)
        except InputError:
            alt = None
        if alt is not None and _inside_shenzhen_box(alt):
            out = alt
            report.notes.append(
                Note(
                    f"列「{report.x_col}」是北坐标、「{report.y_col}」是东坐标（测量习惯 X 为北），"
                    "已自动对调。",
                    f"Column '{report.x_col}' holds northings and '{report.y_col}' eastings "
                    "(surveying convention); they were swapped.",
                )
            )
    _check_near_shenzhen(out, report)
    report.rows_kept = len(out)
    return out


def _repair(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """make_valid, keeping only parts of each geometry's own dimension.

    Returns the geometries, a mask of repaired rows and a mask of rows left empty.
    """
    invalid = ~shapely.is_valid(geoms)
    repaired = invalid.copy()
    collapsed = np.zeros(len(geoms), dtype=bool)
    if not invalid.any():
        return geoms, repaired, collapsed
    bad_idx = np.flatnonzero(invalid)
    original = geoms[bad_idx]
    fixed = shapely.make_valid(original)
    # Two levels cover make_valid's output: a collection of (multi-)parts.
    parts1, idx1 = shapely.get_parts(fixed, return_index=True)
    parts, idx2 = shapely.get_parts(parts1, return_index=True)
    owner = idx1[idx2]
    dims = shapely.get_dimensions(original)
    keep = shapely.get_dimensions(parts) == dims[owner]
    keep &= ~shapely.is_empty(parts)
    parts, owner = parts[keep], owner[keep]
    result = np.empty(len(bad_idx), dtype=object)
    for dim, build in (
        (2, shapely.multipolygons),
        (1, shapely.multilinestrings),
        (0, shapely.multipoints),
    ):
        sel = dims[owner] == dim
        if not sel.any():
            continue
        present, dense = np.unique(owner[sel], return_inverse=True)
        result[present] = build(parts[sel], indices=dense)
    counts = np.bincount(owner, minlength=len(bad_idx))
    single = counts == 1
    result[single] = shapely.get_geometry(result[single].astype(object), 0)
    collapsed[bad_idx[counts == 0]] = True
    out = geoms.copy()
    out[bad_idx[counts > 0]] = result[counts > 0]
    return out, repaired, collapsed


def _normalise_coord_system(system: str | int | None) -> str | None:
    if system is None:
        return None
    if isinstance(system, (int, np.integer)):
        return f"EPSG:{int(system)}"
    text = str(system).strip()
    if not text:
        return None
    if text.isdigit():
        return f"EPSG:{text}"
    if is_obfuscated_system(text):
        return normalise_system_name(text)
    if text.lower() in ("wgs84", "wgs 84", "wgs-84"):
        return WGS84
    if text.lower() in ("cgcs2000",):
        return CGCS2000
    parse_crs(text)  # raises InputError for unknown strings
    return text


def _check_encoding(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise InputError(
            f"无法识别编码「{encoding}」。常用编码：UTF-8、GBK、GB18030。",
            f"Unknown encoding '{encoding}'. Common ones: UTF-8, GBK, GB18030.",
        ) from exc
    return encoding


def _system_label(system: str | CRS) -> str:
    if isinstance(system, str) and is_obfuscated_system(system):
        return {GCJ02: "GCJ-02", BD09: "BD-09"}[normalise_system_name(system)]
    crs = system if isinstance(system, CRS) else parse_crs(system)
    code = crs.to_epsg()
    return f"EPSG:{code} {crs.name}" if code else crs.name


def _looks_geographic(gdf: gpd.GeoDataFrame) -> bool:
    minx, miny, maxx, maxy = gdf.total_bounds
    return bool(minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90)


def _is_geographic(system: str | CRS) -> bool:
    if isinstance(system, str) and is_obfuscated_system(system):
        return True
    crs = system if isinstance(system, CRS) else parse_crs(system)
    return bool(crs.is_geographic)


def _same_crs(a: CRS, b: str) -> bool:
    other = parse_crs(b)
    if a.equals(other, ignore_axis_order=True):
        return True
    lonlat = {4326, 4490}
    return a.to_epsg() in lonlat and other.to_epsg() in lonlat


def _projected_as_geographic(gdf: gpd.GeoDataFrame, label: str, opts: _Options) -> InputError:
    minx, miny, maxx, maxy = gdf.total_bounds
    return InputError(
        f"坐标值（X {minx:.0f}…{maxx:.0f}，Y {miny:.0f}…{maxy:.0f}）超出经纬度范围，看起来是以米为单位的"
        f"投影坐标，但坐标系是经纬度 {label}。请在“坐标系”中选择数据实际的投影坐标系，例如 "
        "CGCS2000 高斯-克吕格 3度带 EPSG:4547（中央经线 114°E）或带号坐标 EPSG:4526。",
        f"The coordinates (x {minx:.0f}…{maxx:.0f}, y {miny:.0f}…{maxy:.0f}) are outside the "
        f"lon/lat range and look like projected metres, but the system is geographic "
        f"({label}). Choose the data's projected CRS, e.g. CGCS2000 3-degree GK EPSG:4547 "
        "(CM 114E) or the zone-numbered EPSG:4526.",
        source=opts.display,
    )


def _resolve_crs(
    gdf: gpd.GeoDataFrame, embedded: CRS | None, opts: _Options, report: ReadReport, tabular: bool
) -> gpd.GeoDataFrame:
    """Interpret the coordinates (embedded CRS, coord_system or assumption) as EPSG:4326."""
    chosen = opts.coord_system
    shift = chosen is not None and is_obfuscated_system(chosen)
    geographic_numbers = _looks_geographic(gdf)
    if embedded is not None:
        if embedded.is_geographic and not geographic_numbers:
            if chosen is not None and not _is_geographic(chosen):
                report.source_crs, report.crs_origin = _system_label(chosen), "coord_system"
                report.notes.append(
                    Note(
                        f"文件标注为 {_system_label(embedded)}，但坐标是投影坐标；按所选坐标系读取。",
                        f"The file says {_system_label(embedded)} but holds projected numbers; "
                        "read in the chosen system.",
                    )
                )
                return gdf_from_system(gdf, chosen)
            raise _projected_as_geographic(gdf, _system_label(embedded), opts)
        out = gdf.set_crs(embedded, allow_override=True).to_crs(WGS84)
        report.source_crs, report.crs_origin = _system_label(embedded), "embedded"
        if shift:
            out = gdf_from_system(out, chosen)
            report.crs_origin = "embedded+shift"
            report.source_crs += f" + {_system_label(chosen)}"
        elif chosen is not None and not _same_crs(embedded, chosen):
            report.warnings.append(
                Note(
                    f"文件自带坐标系 {_system_label(embedded)}，与所选 {_system_label(chosen)} 不同；"
                    "已按文件自带坐标系读取。",
                    f"The file's own CRS {_system_label(embedded)} differs from the chosen "
                    f"{_system_label(chosen)}; the file's CRS was used.",
                )
            )
        return out
    if chosen is not None:
        if _is_geographic(chosen) and not geographic_numbers:
            raise _projected_as_geographic(gdf, _system_label(chosen), opts)
        report.source_crs, report.crs_origin = _system_label(chosen), "coord_system"
        return gdf_from_system(gdf, chosen)
    if tabular:
        if not geographic_numbers:
            raise InputError(
                "表格的坐标不是经纬度（数值超出 ±180/±90），又没有指定坐标系。请选择数据的投影坐标系，"
                "例如 CGCS2000 高斯-克吕格 EPSG:4547。",
                "The table's coordinates are not lon/lat (beyond ±180/±90) and no coordinate "
                "system was given. Choose the data's projected CRS, e.g. CGCS2000 GK "
                "EPSG:4547.",
                source=opts.display,
            )
        report.source_crs, report.crs_origin = _system_label(WGS84), "assumed"
        report.warnings.append(
            Note(
                "表格没有坐标系信息，已按 WGS84 经纬度读取。如果坐标来自高德/腾讯地图（GCJ-02）"
                "或百度地图（BD-09），请选择对应坐标系重新导入，否则位置会偏移数百米。",
                "The table has no CRS and was read as WGS84 lon/lat. If the coordinates come from "
                "Gaode/Tencent (GCJ-02) or Baidu (BD-09), import again choosing that system, or "
                "positions will be off by hundreds of metres.",
            )
        )
        return gdf.set_crs(WGS84, allow_override=True)
    raise InputError(
        "文件没有坐标系信息（例如 Shapefile 缺少 .prj），也没有指定坐标系。请选择数据所用的坐标系"
        "（如 CGCS2000 高斯-克吕格 EPSG:4547、WGS84、GCJ-02）后重新导入。",
        "The file has no CRS (e.g. a Shapefile without .prj) and none was given. Choose the "
        "data's coordinate system (e.g. CGCS2000 GK EPSG:4547, WGS84, GCJ-02) and import "
        "again.",
        source=opts.display,
    )


def _inside_shenzhen_box(gdf: gpd.GeoDataFrame) -> bool:
    minx, miny, maxx, maxy = gdf.total_bounds
    west, south, east, north = SHENZHEN_BOUNDS
    return bool(west <= minx and maxx <= east and south <= miny and maxy <= north)


def _check_near_shenzhen(gdf: gpd.GeoDataFrame, report: ReadReport) -> None:
    if _inside_shenzhen_box(gdf):
        return
    minx, miny, maxx, maxy = gdf.total_bounds
    report.warnings.append(
        Note(
            f"数据范围（经度 {minx:.3f}…{maxx:.3f}，纬度 {miny:.3f}…{maxy:.3f}）远离深圳"
            f"（经度 {SHENZHEN_BOUNDS[0]:g}–{SHENZHEN_BOUNDS[2]:g}，纬度 {SHENZHEN_BOUNDS[1]:g}–"
            f"{SHENZHEN_BOUNDS[3]:g}）。请检查所选坐标系是否正确。",
            f"The data (lon {minx:.3f}…{maxx:.3f}, lat {miny:.3f}…{maxy:.3f}) lies far from "
            "Shenzhen. Check that the coordinate system is right.",
        )
    )


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def _output_system(coord_system: str, what: str) -> str:
    key = normalise_system_name(coord_system)
    if is_obfuscated_system(key):
        return key
    folded = re.sub(r"[\s_-]", "", str(key)).lower()
    if folded in ("wgs84", "epsg:4326", "4326", "cgcs2000", "epsg:4490", "4490"):
        return WGS84
    raise InputError(
        f"{what} 只能输出 WGS84、GCJ-02 或 BD-09 经纬度，不支持「{coord_system}」。",
        f"{what} can be written in WGS84, GCJ-02 or BD-09 lon/lat only, not '{coord_system}'.",
    )


def _lonlat_geometries(gdf: gpd.GeoDataFrame, system: str) -> np.ndarray:
    require_crs(gdf)
    geoms = np.asarray(to_wgs84(gdf).geometry.values, dtype=object)
    if system != WGS84:
        geoms = shift_geometries(geoms, WGS84, system)
    return geoms


def _round_geometries(geoms: np.ndarray, precision: int) -> np.ndarray:
    return shapely.transform(geoms, lambda c: np.round(c, precision), include_z=True)


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, shapely.Geometry):
        return value.wkt
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    return value if isinstance(value, str) else str(value)


def _json_column(column: pd.Series) -> list[Any]:
    """A column as JSON-ready Python values; whole-column conversions where the dtype allows."""
    if pd.api.types.is_bool_dtype(column.dtype) and not column.hasnans:
        return column.astype(bool).tolist()
    if pd.api.types.is_integer_dtype(column.dtype) and not column.hasnans:
        return column.astype("int64").tolist()
    if pd.api.types.is_float_dtype(column.dtype):
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
        return np.where(np.isfinite(numbers), numbers, None).tolist()
    if pd.api.types.is_string_dtype(column.dtype) and not pd.api.types.is_object_dtype(
        column.dtype
    ):
        return column.astype(object).where(column.notna(), None).tolist()
    return [_json_value(v) for v in column.tolist()]


def _property_columns(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    return pd.DataFrame(gdf.drop(columns=[gdf.geometry.name]))


def write_geojson(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    *,
    coord_system: str = "wgs84",
    precision: int = 6,
) -> str | None:
    """Write a layer as RFC 7946 GeoJSON, or return the text when ``path`` is None.

    Coordinates are EPSG:4326 longitude/latitude rounded to ``precision`` decimals (6 ≈ 0.1
    m), polygon exteriors counter-clockwise and holes clockwise, no ``crs`` member.
    Non-finite numbers become ``null``; dates and times become ISO 8601 strings.

    ``coord_system="gcj02"`` (or ``"bd09"``) writes the variant Gaode- (Baidu-) based
    systems need: coordinates shifted to that system and a top-level foreign member
    ``"coord_system": "GCJ-02"`` (``"BD-09"``) saying so. Such a file is not RFC 7946
    compliant by nature; name it as such when offering it.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any CRS; reprojected to EPSG:4326 first.
    path : path, optional
        File to write (UTF-8). When None the text is returned.
    coord_system : {"wgs84", "gcj02", "bd09"}
    precision : int
        Decimal places kept in coordinates.

    Returns
    -------
    str or None
    """
    system = _output_system(coord_system, "GeoJSON")
    geoms = _lonlat_geometries(gdf, system)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    geoms = _round_geometries(geoms, int(precision))
    coords = shapely.get_coordinates(geoms, include_z=True)
    if not np.isfinite(coords[:, :2]).all():
        raise InputError(
            "有几何含非有限坐标（NaN/无穷大），无法写出 GeoJSON。请先修复这些几何。",
            "Some geometries have non-finite coordinates (NaN/inf) and cannot be written as "
            "GeoJSON. Fix them first.",
        )
    geoms = np.where(shapely.is_empty(geoms), None, geoms)
    # GEOS writes each geometry's JSON in C; only the properties go through json.dumps.
    geometry_json = shapely.to_geojson(geoms)
    props = _property_columns(gdf)
    names = [str(c) for c in props.columns]
    values = [_json_column(props[c]) for c in props.columns]
    dump = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode
    features = [
        '{"type":"Feature","properties":'
        + dump(dict(zip(names, row, strict=True)))
        + ',"geometry":'
        + ("null" if g is None else g)
        + "}"
        for row, g in zip(
            zip(*values, strict=True) if values else [()] * len(geoms), geometry_json, strict=True
        )
    ]
    head = '{"type":"FeatureCollection",'
    if system != WGS84:
        head += '"coord_system":' + dump({GCJ02: "GCJ-02", BD09: "BD-09"}[system]) + ","
    text = head + '"features":[' + ",".join(features) + "]}"
    if path is None:
        return text
    _atomic_write(Path(path), text.encode("utf-8"))
    return None


def _atomic_write(path: Path, data: bytes) -> None:
    # Write beside the target and rename, so a failure never leaves half a file behind.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_gpkg(
    layers: Mapping[str, gpd.GeoDataFrame] | gpd.GeoDataFrame,
    path: str | os.PathLike,
    *,
    crs: str = WGS84,
) -> None:
    """Write one or several layers to a GeoPackage, replacing the file as a whole.

    Parameters
    ----------
    layers : GeoDataFrame or mapping of layer name → GeoDataFrame
        A single frame is written as a layer named after the file.
    path : path
        The ``.gpkg`` file. It is written beside the target and renamed into place, so
        readers never see a half-written file.
    crs : str, default ``"EPSG:4326"``
        Output CRS, typically :data:`geo.crs.WGS84` or :data:`geo.crs.METRIC_CRS`
        (EPSG:4547, metres).
    """
    path = Path(path)
    if isinstance(layers, gpd.GeoDataFrame):
        layers = {path.stem: layers}
    if not layers:
        raise InputError("没有要写出的图层。", "No layers to write.", source=path.name)
    target = parse_crs(crs)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.gpkg")
    try:
        for name, gdf in layers.items():
            if not isinstance(name, str) or not name.strip():
                raise InputError(
                    "图层名不能为空。", "Layer names must be non-empty text.", source=path.name
                )
            require_crs(gdf, f"图层「{name}」 layer '{name}'")
            pyogrio.write_dataframe(gdf.to_crs(target), tmp, layer=name, driver="GPKG")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _tabular_frame(
    gdf: gpd.GeoDataFrame, geometry: str, precision: int, coord_system: str
) -> pd.DataFrame:
    if geometry not in ("xy", "wkt"):
        raise InputError(
            f"geometry 只能是 'xy' 或 'wkt'，不是「{geometry}」。",
            f"geometry must be 'xy' or 'wkt', not '{geometry}'.",
        )
    system = _output_system(coord_system, "CSV/XLSX")
    geoms = _round_geometries(_lonlat_geometries(gdf, system), int(precision))
    table = _property_columns(gdf)
    present = ~shapely.is_missing(geoms)
    all_points = present.any() and bool(
        (shapely.get_type_id(geoms[present]) == shapely.GeometryType.POINT).all()
    )
    if geometry == "xy" and all_points:
        # Replaces lon/lat columns left over from an earlier table import.
        table = table.drop(columns=[c for c in ("lon", "lat") if c in table.columns])
        x = np.full(len(geoms), np.nan)
        y = np.full(len(geoms), np.nan)
        x[present] = shapely.get_x(geoms[present])
        y[present] = shapely.get_y(geoms[present])
        table["lon"] = x
        table["lat"] = y
    else:
        table = table.drop(columns=[c for c in ("wkt",) if c in table.columns])
        table["wkt"] = shapely.to_wkt(geoms, rounding_precision=int(precision), trim=True)
    return table


#: A text cell starting with one of these is run as a formula when a spreadsheet opens a CSV.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _guard_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as formulas with an apostrophe."""
    table = table.copy()
    for col in table.columns:
        values = table[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        if risky.any():
            table[col] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    return table


def _unguard_formula(value: object) -> object:
    """Undo :func:`_guard_formulas` on a cell read back from CSV."""
    if isinstance(value, str) and value[:1] == "'" and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


def write_csv(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    *,
    geometry: Literal["xy", "wkt"] = "xy",
    precision: int = 6,
    coord_system: str = "wgs84",
    excel_safe: bool = True,
) -> bytes | None:
    """Write a layer as CSV in UTF-8 with a byte-order mark, so Excel shows the Chinese.

    Point layers with ``geometry="xy"`` get ``lon``/``lat`` columns (replacing columns of
    those names); other layers, or ``geometry="wkt"``, get a ``wkt`` column. Coordinates
    are WGS84 lon/lat (or GCJ-02/BD-09 with ``coord_system``) rounded to ``precision``.

    With ``excel_safe`` (the default) a text cell starting with ``=``, ``+``, ``-``, ``@``
    or a tab is written with a leading apostrophe, so a name such as ``=HYPERLINK(…)``
    coming from someone's file is shown, not run, when the CSV is opened in a spreadsheet.
    :func:`read_layer` removes that apostrophe again. Numbers are never changed.

    Returns
    -------
    bytes or None
        The encoded file (BOM included, ready for a download button) when ``path`` is None.
    """
    table = _tabular_frame(gdf, geometry, precision, coord_system)
    if excel_safe:
        table = _guard_formulas(table)
    data = table.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    if path is None:
        return data
    _atomic_write(Path(path), data)
    return None


_EXCEL_CELL_LIMIT = 32_767
_EXCEL_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike | None = None,
    *,
    geometry: Literal["xy", "wkt"] = "xy",
    precision: int = 6,
    coord_system: str = "wgs84",
    sheet_name: str = "layer",
) -> bytes | None:
    """Write a layer as an Excel sheet, with the same columns as :func:`write_csv`.

    Text cells are always stored as text, so a value starting with ``=`` is never turned
    into a formula. Control characters Excel cannot store are removed. A WKT longer than an
    Excel cell holds (32 767 characters) raises :class:`InputError`: export such layers as
    GeoJSON or GeoPackage.

    Returns
    -------
    bytes or None
        The workbook when ``path`` is None.
    """
    from openpyxl import Workbook

    table = _tabular_frame(gdf, geometry, precision, coord_system)
    if "wkt" in table.columns:
        too_long = table["wkt"].fillna("").str.len() > _EXCEL_CELL_LIMIT
        if too_long.any():
            raise InputError(
                f"有 {int(too_long.sum())} 个几何的 WKT 超过 Excel 单元格上限（32767 字符）。"
                "请导出为 GeoJSON 或 GeoPackage。",
                f"{int(too_long.sum())} geometries exceed Excel's cell limit as WKT (32,767 "
                "characters). Export as GeoJSON or GeoPackage instead.",
            )
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name[:31]
    sheet.append([str(c) for c in table.columns])
    for row_number, row in enumerate(table.itertuples(index=False, name=None), start=2):
        cells = [_excel_value(v) for v in row]
        sheet.append(cells)
        for column_number, value in enumerate(cells, start=1):
            if isinstance(value, str) and value.startswith("="):
                sheet.cell(row=row_number, column=column_number).data_type = "s"  # not a formula
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if path is None:
        return data
    _atomic_write(Path(path), data)
    return None


def _excel_value(value: Any) -> Any:
    value = _json_value(value)
    if isinstance(value, str):
        return _EXCEL_ILLEGAL.sub("", value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
