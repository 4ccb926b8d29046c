"""The reading entry points: :func:`read_layer` and :func:`read_layer_with_report`.

Method: options are checked first (coordinate system through
:func:`geo.crs.normalise_coord_system`, encoding through :func:`codecs.lookup`); the source
is resolved to one file on disk (an upload written to a private temporary folder, a zip
extracted after its safety checks, the one layer of a folder — see ``_sources``); the file
is dispatched on its extension to the GIS reader (``_gis``) or the table reader
(``_tables``); and the result goes through the common clean-up and CRS interpretation
(``_report._finish``). Every temporary folder is registered on one
:class:`contextlib.ExitStack` and removed before the function returns, whatever happens.
"""

from __future__ import annotations

import codecs
import contextlib
import os
from pathlib import Path
from typing import BinaryIO

import geopandas as gpd

from geo.crs import normalise_coord_system
from geo.errors import InputError
from geo.io._gis import _read_geojson, _read_gpkg, _read_shapefile, _shapefile_parts
from geo.io._report import ReadReport, _finish, _Options
from geo.io._sources import (
    _FORMATS,
    _check_size,
    _extract_zip,
    _pick_member,
    _private_dir,
    _read_upload,
    _safe_basename,
)
from geo.io._tables import _read_csv, _read_xlsx

__all__ = ["DEFAULT_MAX_BYTES", "read_layer", "read_layer_with_report"]

#: Default size limit for one input (file, folder Shapefile, upload, unpacked zip): 500 MB.
DEFAULT_MAX_BYTES = 500 * 1024**2

_SUPPORTED_TEXT = ".geojson .json .gpkg .shp .zip .csv .xlsx，或包含 Shapefile 的文件夹"
_SUPPORTED_TEXT_EN = ".geojson .json .gpkg .shp .zip .csv .xlsx, or a folder holding a Shapefile"


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
    swap_xy: bool = False,
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
        swap_xy=swap_xy,
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
    swap_xy: bool = False,
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
    swap_xy : bool, default False
        Exchange every coordinate's x and y before the coordinate system is applied, for
        files with longitude and latitude swapped. Without it such a file raises
        :class:`InputError` with ``code="swapped_axes"``; with it the report notes the swap
        (``ReadReport.axes_swapped``).

    Returns
    -------
    gdf : GeoDataFrame
        EPSG:4326, index 0..n-1, source columns kept (table coordinate columns included).
    report : ReadReport

    Raises
    ------
    InputError
        For every problem the user can fix, with a Chinese line first and English after;
        ``code="swapped_axes"`` when longitude and latitude look swapped.

    Notes
    -----
    Uploads and zip contents are written only inside private temporary folders, removed
    before this function returns; the returned frame holds no reference to them.
    """
    options = dict(
        layer=layer,
        coord_system=normalise_coord_system(coord_system),
        x_col=x_col,
        y_col=y_col,
        encoding=_check_encoding(encoding),
        max_bytes=int(max_bytes),
        swap_xy=bool(swap_xy),
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
            parsed = _read_geojson(path, opts)
        elif fmt == "CSV":
            parsed = _read_csv(path, opts, report)
        else:
            parsed = _read_xlsx(path, opts, report)
    gdf = _finish(parsed, opts, report)
    return gdf, report


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
