"""Writing layers for other systems: GeoJSON, GeoPackage, CSV and XLSX.

Method:

- Geometries are brought to EPSG:4326 lon/lat, optionally shifted to GCJ-02 or BD-09
  (:func:`geo.crs.output_system`, :func:`geo.crs.lonlat_geometries`), and rounded to
  ``precision`` decimals (6 ≈ 0.1 m) so that every geometry stays valid
  (:func:`geo.geometry.round_coordinates`: those that plain rounding would break are
  snap-rounded on the same grid). GeoPackage output in another CRS has rings that the
  reprojection made cross repaired (:func:`geo.geometry.repair_polygonal`).
- GeoJSON follows RFC 7946: polygon exteriors counter-clockwise, holes clockwise, no
  ``crs`` member; GEOS writes each geometry's JSON, and only the properties go through
  :mod:`json`, column by column (:func:`geo.values.json_value` for mixed columns), with
  NaN/inf as ``null``. The GCJ-02/BD-09 variant adds a top-level ``coord_system`` member.
- CSV is UTF-8 with a byte-order mark (so Excel shows Chinese); XLSX is written with
  openpyxl. Point layers get ``lon``/``lat`` columns, others a ``wkt`` column. Text a
  spreadsheet would run as a formula, in cells and in column names alike, is guarded: an
  apostrophe in CSV (removed again by the CSV reader), a text cell type in XLSX.
- Files are written beside the target and renamed into place (:func:`os.replace`), so a
  failure never leaves half a file behind.

Attribute text is written as it is; HTML in a name stays text and is escaped where it is
displayed.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.crs import BD09, GCJ02, WGS84, lonlat_geometries, output_system, parse_crs, require_crs
from geo.errors import InputError
from geo.geometry import repair_polygonal, round_coordinates
from geo.values import json_value

__all__ = ["write_csv", "write_geojson", "write_gpkg", "write_xlsx"]


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
    return [json_value(v) for v in column.tolist()]


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
    system = output_system(coord_system, "GeoJSON")
    geoms = lonlat_geometries(gdf, system)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    geoms = round_coordinates(geoms, int(precision))
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
            out = gdf.to_crs(target)
            # Reprojection can make a nearly self-touching ring cross itself: repair those.
            out[out.geometry.name] = gpd.GeoSeries(
                repair_polygonal(out.geometry.to_numpy()), index=out.index, crs=target
            )
            pyogrio.write_dataframe(out, tmp, layer=name, driver="GPKG")
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
    system = output_system(coord_system, "CSV/XLSX")
    geoms = round_coordinates(lonlat_geometries(gdf, system), int(precision))
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
    """Prefix text cells and column names that a spreadsheet would run as formulas with an
    apostrophe."""
    table = table.copy()
    table.columns = [_guard_text(str(c)) for c in table.columns]
    for col in table.columns:
        values = table[col]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        if risky.any():
            table[col] = values.astype(object).where(~risky, "'" + values[risky].astype(str))
    return table


def _guard_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


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

    With ``excel_safe`` (the default) a text cell or column name starting with ``=``, ``+``,
    ``-``, ``@`` or a tab is written with a leading apostrophe, so a name such as
    ``=HYPERLINK(…)`` coming from someone's file is shown, not run, when the CSV is opened
    in a spreadsheet. :func:`read_layer` removes that apostrophe again. Numbers are never
    changed.

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

    Text cells, the header row included, are always stored as text, so a value or column
    name starting with ``=`` is never turned into a formula. Control characters Excel cannot store are removed. A WKT longer than an
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
    header = [_excel_value(str(c)) for c in table.columns]
    rows = ([_excel_value(v) for v in row] for row in table.itertuples(index=False, name=None))
    for row_number, cells in enumerate(itertools.chain([header], rows), start=1):
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
    value = json_value(value)
    if isinstance(value, str):
        return _EXCEL_ILLEGAL.sub("", value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value
