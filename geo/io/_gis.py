"""GeoJSON, GeoPackage and Shapefile, read through pyogrio (GDAL).

Method: :func:`pyogrio.read_dataframe` reads the layer in 2-D (Z dropped); the CRS the
file declares is taken off the frame and handed on separately, to be checked against the
numbers by :func:`geo.crs.interpret_crs`. GDAL's errors become one bilingual
:class:`InputError` naming the file.

- GeoJSON: read with the driver's open option ``DATE_AS_STRING=YES``. Without it GDAL turns
  a text property whose values all look like dates or times into a date/time column
  (``T123456`` → 12:34:56, ``2023/05/01`` → 2023-05-01 00:00:00), corrupting ids; JSON has
  no date type, so text stays exactly the text in the file.

- GeoPackage: only layers with geometry are offered; ``layer`` picks one when there are
  several.
- Shapefile: the ``.shx`` and ``.dbf`` of the same name are required. Attribute text is
  decoded with the ``.cpg`` when there is one; without it, UTF-8 and then GB18030 (a
  superset of GBK) are tried strictly, since GDAL's own default (ISO-8859-1) turns Chinese
  into mojibake silently. GDAL's default is the last resort, with a warning.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pyogrio
import pyogrio.errors

from geo.errors import InputError
from geo.io._report import Note, ReadReport, _Options, _Parsed

__all__: list[str] = []

#: GDAL GeoJSON driver open options (passed as keywords to pyogrio.read_dataframe).
_GEOJSON_OPEN_OPTIONS = {"DATE_AS_STRING": "YES"}

_PYOGRIO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
)


def _read_ogr(
    path: Path,
    opts: _Options,
    *,
    layer: str | None,
    encoding: str | None,
    open_options: dict[str, str] | None = None,
) -> _Parsed:
    try:
        gdf = pyogrio.read_dataframe(
            path, layer=layer, encoding=encoding, force_2d=True, **(open_options or {})
        )
    except _PYOGRIO_ERRORS as exc:
        raise _unreadable(opts, exc) from exc
    crs = gdf.crs
    gdf = gdf.set_crs(None, allow_override=True)
    return _Parsed(gdf=gdf, crs=crs, rows=np.arange(1, len(gdf) + 1), tabular=False)


def _read_geojson(path: Path, opts: _Options) -> _Parsed:
    # GDAL's GeoJSON driver types a text property as a date, time or datetime when all its
    # values parse as one (T123456 → 12:34:56, 2023/05/01 → 2023-05-01 00:00:00); JSON has
    # no such types, so every text property is kept as the text in the file.
    # A .json may be Esri JSON, whose driver has no such option and says so in a warning.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message=r".*does not support open option DATE_AS_STRING",
            category=RuntimeWarning,
        )
        return _read_ogr(path, opts, layer=None, encoding=None, open_options=_GEOJSON_OPEN_OPTIONS)


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
