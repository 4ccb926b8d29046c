"""The import report, and the clean-up every reader's output goes through.

:class:`ReadReport` records what :func:`geo.io.read_layer_with_report` found and did (rows
read and kept, geometries repaired or dropped with their row numbers, coordinate system,
encoding, notes and warnings); :class:`Note` is one bilingual line of it. ``_Options`` and
``_Parsed`` are the internal hand-overs between the readers.

Method of :func:`_finish`, run on every reader's output:

1. Null and empty geometries are dropped.
2. Invalid geometries are repaired with :func:`shapely.make_valid`, keeping only the parts
   of the original dimension (a self-crossing "bow-tie" polygon becomes a MultiPolygon of
   its two triangles); a geometry with nothing of its dimension left is dropped.
3. Before any coordinate system is considered, x and y are checked for having been
   swapped (latitude in x, longitude in y: :func:`geo.crs.axes_look_swapped`). Unless the
   caller asked for ``swap_xy``, that is an :class:`InputError` with
   ``code="swapped_axes"``, so the page can offer to swap and read again; with
   ``swap_xy`` x and y are exchanged here and a note says so. When only some records fit
   Shenzhen swapped (their latitude would lie beyond ±90), the error names those rows,
   with ``code="swapped_rows"``.
4. The coordinates are interpreted and converted to EPSG:4326 by
   :func:`geo.crs.interpret_crs`. For tables whose result lies outside the Shenzhen box,
   x and y are swapped and tried again (Chinese surveying names northing X), and the swap
   kept, with a note, when it lands inside (not when ``swap_xy`` was given).
5. A layer reaching outside :data:`geo.crs.SHENZHEN_BOUNDS` gets a "check the CRS" warning,
   and the features reaching outside it are listed by row (``outside_rows``) in a second
   warning. They are kept: dropping them is the planner's choice
   (:func:`geo.io.drop_rows`).

Row numbers are feature numbers from 1 for GIS formats, the spreadsheet row (header row
included) for CSV/XLSX.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.crs import (
    SHENZHEN_BOUNDS,
    CrsInterpretation,
    axes_look_swapped,
    far_from_shenzhen,
    fits_only_swapped,
    inside_shenzhen_box,
    interpret_crs,
    outside_bounds,
    swap_axes,
)
from geo.errors import InputError

__all__ = ["Note", "ReadReport"]

_MAX_LISTED = 20
_MAX_LISTED_OUTSIDE = 10


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
    row_numbers : list of int
        The row number (as above) of each feature of the returned frame, in its order:
        ``row_numbers[i]`` is the source row of ``gdf.iloc[i]``.
    axes_swapped : bool
        True when x and y were exchanged on request (``swap_xy``) before the coordinate
        system was applied; the values of a table's ``x_col`` then gave the latitude.
    outside_rows : list of int
        Rows (as above) whose geometry reaches outside :data:`geo.crs.SHENZHEN_BOUNDS`
        after conversion to lon/lat. They are kept in the frame; a warning names them.
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
    row_numbers: list[int] = field(default_factory=list)
    axes_swapped: bool = False
    outside_rows: list[int] = field(default_factory=list)
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

    def positions(self, rows: Iterable[int]) -> np.ndarray:
        """Positions in the returned frame of the given report row numbers (unknown ones
        skipped), in frame order."""
        wanted = np.asarray(list(rows), dtype=np.int64)
        return np.flatnonzero(np.isin(np.asarray(self.row_numbers, dtype=np.int64), wanted))

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

    def _rows_text(self, rows: list[int], lang: str, limit: int = _MAX_LISTED) -> str:
        shown = ", ".join(str(r) for r in rows[:limit])
        more = " …" if len(rows) > limit else ""
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
    swap_xy: bool = False


@dataclass
class _Parsed:
    """A layer straight from its reader, before clean-up and CRS handling."""

    gdf: gpd.GeoDataFrame
    crs: CRS | None
    rows: np.ndarray  # row number of each record as the report shows it
    tabular: bool


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
    gdf, rows = gdf.loc[keep].copy(), rows[keep]
    gdf = gdf.set_geometry(gpd.GeoSeries(geoms[keep], index=gdf.index))
    gdf = gdf.reset_index(drop=True)
    if len(gdf) == 0:
        raise InputError(
            f"共 {report.rows_read} 条记录，但没有一条带有可用的几何或坐标。请检查坐标列或几何数据。",
            f"None of the {report.rows_read} records has a usable geometry or coordinates. "
            "Check the coordinate columns or the geometries.",
            source=opts.display,
        )

    gdf = _orient_axes(gdf, rows, opts, report)
    out = _record_crs(report, _interpret(gdf, parsed, opts))
    if (
        parsed.tabular
        and not opts.swap_xy
        and not inside_shenzhen_box(out)
        and report.crs_origin != "assumed"
    ):
        # Chinese surveying names northing X and easting Y; tables often follow it.
        swapped = gdf.set_geometry(
            gpd.GeoSeries(swap_axes(np.asarray(gdf.geometry.values)), index=gdf.index)
        )
        try:
            alt = _interpret(swapped, parsed, opts).gdf  # its notes describe the unswapped try
        except InputError:
            alt = None
        if alt is not None and inside_shenzhen_box(alt):
            out = alt
            report.notes.append(
                Note(
                    f"列「{report.x_col}」是北坐标、「{report.y_col}」是东坐标（测量习惯 X 为北），"
                    "已自动对调。",
                    f"Column '{report.x_col}' holds northings and '{report.y_col}' eastings "
                    "(surveying convention); they were swapped.",
                )
            )
    far = far_from_shenzhen(out)
    if far is not None:
        report.warnings.append(Note(*far))
    _record_outside(report, rows[outside_bounds(out)].tolist())
    report.row_numbers = rows.tolist()
    report.rows_kept = len(out)
    return out


def _orient_axes(
    gdf: gpd.GeoDataFrame, rows: np.ndarray, opts: _Options, report: ReadReport
) -> gpd.GeoDataFrame:
    """Swap x and y when asked; refuse, with ``code="swapped_axes"``, when they look swapped,
    and with ``code="swapped_rows"`` when only some records have them swapped."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if opts.swap_xy:
        report.axes_swapped = True
        if report.x_col and report.y_col:
            zh = (
                f"已按要求对调坐标：列「{report.x_col}」的数值作为纬度（Y）、列「{report.y_col}」"
                "的数值作为经度（X）读取。"
            )
            en = (
                f"Coordinates swapped as asked: the values of column '{report.x_col}' were read "
                f"as latitude (y) and those of '{report.y_col}' as longitude (x)."
            )
        else:
            zh = "已按要求对调每个坐标的 X 和 Y（经度和纬度）后读取。"
            en = "The x and y (longitude and latitude) of every coordinate were swapped as asked."
        report.notes.append(Note(zh, en))
        return gdf.set_geometry(gpd.GeoSeries(swap_axes(geoms), index=gdf.index))
    if axes_look_swapped(geoms):
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        if report.x_col and report.y_col:
            what_zh = f"列「{report.x_col}」（{minx:.3f}…{maxx:.3f}）像纬度，列「{report.y_col}」（{miny:.3f}…{maxy:.3f}）像经度"
            what_en = (
                f"column '{report.x_col}' ({minx:.3f}…{maxx:.3f}) looks like latitude and "
                f"'{report.y_col}' ({miny:.3f}…{maxy:.3f}) like longitude"
            )
        else:
            what_zh = f"X 值（{minx:.3f}…{maxx:.3f}）像纬度，Y 值（{miny:.3f}…{maxy:.3f}）像经度"
            what_en = (
                f"the x values ({minx:.3f}…{maxx:.3f}) look like latitudes and the y values "
                f"({miny:.3f}…{maxy:.3f}) like longitudes"
            )
        raise InputError(
            f"经度和纬度似乎填反了：{what_zh}；对调后才位于深圳范围内。请选择“对调经纬度后重新读取”，"
            "或在源文件中改正后再导入。",
            f"Longitude and latitude appear to be swapped: {what_en}; only swapped do they "
            "fall within Shenzhen. Choose 'swap and read again' (swap_xy=True), or correct "
            "the file and import it again.",
            source=opts.display,
            code="swapped_axes",
        )
    only_swapped = fits_only_swapped(geoms)
    if only_swapped.any():
        # Their latitude lies beyond ±90, so the layer cannot be read as lon/lat at all.
        bad = rows[only_swapped].tolist()
        n = len(bad)
        raise InputError(
            f"有 {n} 条记录的经度和纬度似乎填反了{report._rows_text(bad, 'zh')}，其余记录正常。"
            "请在源文件中对调这些记录的经纬度后再导入。",
            f"{n} records appear to have longitude and latitude swapped"
            f"{report._rows_text(bad, 'en')}, the others do not. Swap them in the file and "
            "import it again.",
            source=opts.display,
            code="swapped_rows",
        )
    return gdf


def _record_outside(report: ReadReport, rows: list[int]) -> None:
    """Name the rows reaching outside the Shenzhen box in the report (first 10 and count)."""
    report.outside_rows = rows
    note = _outside_note(report, rows)
    if note is not None:
        report.warnings.append(note)


def _outside_note(report: ReadReport, rows: list[int]) -> Note | None:
    if not rows:
        return None
    west, south, east, north = SHENZHEN_BOUNDS
    n = len(rows)
    zh_rows = report._rows_text(rows, "zh", limit=_MAX_LISTED_OUTSIDE)
    en_rows = report._rows_text(rows, "en", limit=_MAX_LISTED_OUTSIDE)
    return Note(
        f"有 {n} 条记录的位置超出深圳范围（经度 {west:g}–{east:g}，纬度 {south:g}–{north:g}）"
        f"{zh_rows}，共 {n} 条。它们仍在导入结果中；请检查坐标，或删除这些记录。",
        f"{n} records lie outside Shenzhen (lon {west:g}–{east:g}, lat {south:g}–{north:g})"
        f"{en_rows}, {n} in all. They are still in the import; check their coordinates "
        "or drop them.",
    )


def _interpret(gdf: gpd.GeoDataFrame, parsed: _Parsed, opts: _Options) -> CrsInterpretation:
    return interpret_crs(
        gdf, parsed.crs, opts.coord_system, tabular=parsed.tabular, source=opts.display
    )


def _record_crs(report: ReadReport, crs: CrsInterpretation) -> gpd.GeoDataFrame:
    """Copy the CRS decision into the report; return the layer in EPSG:4326."""
    report.source_crs, report.crs_origin = crs.source_crs, crs.origin
    report.notes.extend(Note(*n) for n in crs.notes)
    report.warnings.extend(Note(*w) for w in crs.warnings)
    return crs.gdf


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
