"""Server-rendered maps of the report (matplotlib, no browser, no tiles).

Method: every layer is projected to EPSG:4547 (CGCS2000 / Gauss-Krüger CM 114°E, metres),
so the axes are metric and the scale bar is exact along the x axis; the figure has equal
aspect. Colours and legend items come from the app's map palette (:mod:`ui.maps`), so a
parcel has the same colour on the page and in the report. Each map has a legend, a scale
bar of a round length (1, 2 or 5 × 10ⁿ m, about a fifth of the map width) and a north
arrow; grid north of the projection differs from true north by the meridian convergence,
under 0.2° in 坪山 (114.3–114.5° E), so the arrow points up the grid.
"""

from __future__ import annotations

import functools
import html
import io
from collections.abc import Callable, Sequence

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.path import Path

from analysis.contiguity import SIZE_CLASS
from geo.crs import to_metric
from layers.scenario import CHANGE_LABELS
from layers.schema import STATUS
from report._fonts import use_cjk_font
from ui.i18n import pick
from ui.maps import (
    CHANGE_COLORS,
    NO_VALUE_COLOR,
    SIZE_CLASS_COLORS,
    STATUS_COLORS,
    bins_legend,
    category_colors,
    code_legend,
    nice_bins,
    value_colors,
)

__all__ = [
    "MAP_DPI",
    "blocks_map",
    "changes_map",
    "cjk_font",
    "increment_map",
    "scale_bar_length_m",
    "status_map",
]

#: Resolution of the map images, dots per inch (figures are 7.2 × 5.4 in).
MAP_DPI = 110
_SIZE_IN = (7.2, 5.4)
_EDGE = "#616161"


def scale_bar_length_m(width_m: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ m) close to a fifth of ``width_m``."""
    target = max(width_m / 5.0, 1e-9)
    power = 10 ** np.floor(np.log10(target))
    for step in (5.0, 2.0, 1.0):
        if step * power <= target:
            return float(step * power)
    return float(power)


def _metric(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None or not len(gdf):
        return None
    return to_metric(gdf)


def _draw(
    ax, gdf_m: gpd.GeoDataFrame, facecolors, *, edgecolor: str, linewidth: float, zorder: int = 2
) -> None:
    """Fill the polygons of ``gdf_m`` (metric) in one PathCollection, holes kept.

    One path per polygon part: its rings (exterior, then holes) as closed sub-paths, built
    from shapely's vectorised ring and coordinate arrays (no per-feature patch objects).
    """
    geoms = gdf_m.geometry.to_numpy()
    colors = np.broadcast_to(np.asarray(facecolors, dtype=object), (len(geoms),))
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    polygons = shapely.get_type_id(parts) == 3
    parts, part_of = parts[polygons], part_of[polygons]
    if not len(parts):
        return
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, vertex_of = shapely.get_coordinates(rings, return_index=True)
    starts = np.r_[0, np.flatnonzero(np.diff(vertex_of)) + 1]
    codes = np.full(len(xy), Path.LINETO, dtype=np.uint8)
    codes[starts] = Path.MOVETO
    codes[np.r_[starts[1:] - 1, len(xy) - 1]] = Path.CLOSEPOLY
    polygon_of_vertex = ring_of[vertex_of]
    cuts = np.flatnonzero(np.diff(polygon_of_vertex)) + 1
    paths = [Path(v, c) for v, c in zip(np.split(xy, cuts), np.split(codes, cuts), strict=True)]
    present = np.unique(polygon_of_vertex)
    ax.add_collection(
        PathCollection(
            paths,
            facecolors=list(colors[part_of[present]]),
            edgecolors=edgecolor,
            linewidths=linewidth,
            zorder=zorder,
        ),
        autolim=False,
    )


def _draw_base(ax, parks_m: gpd.GeoDataFrame | None) -> None:
    if parks_m is not None:
        parks_m.boundary.plot(ax=ax, color="#212121", linewidth=0.9, linestyle="--", zorder=5)


def _scale_bar(ax, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = scale_bar_length_m(x1 - x0)
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    height = 0.012 * (y1 - y0)
    half = length / 2
    for i, color in enumerate(("#000000", "#ffffff")):
        ax.add_patch(
            Rectangle(
                (left + i * half, bottom),
                half,
                height,
                facecolor=color,
                edgecolor="#000000",
                linewidth=0.6,
                zorder=10,
            )
        )
    unit, factor = ("km", 1000.0) if length >= 1000 else ("m", 1.0)
    for x, value in ((left, 0.0), (left + half, half), (left + length, length)):
        ax.text(x, bottom + 1.8 * height, f"{value / factor:g}", ha="center", fontsize=7, zorder=10)
    ax.text(
        left + length + 0.01 * (x1 - x0),
        bottom,
        unit,
        ha="left",
        va="bottom",
        fontsize=7,
        zorder=10,
    )
    ax.text(
        left,
        bottom - 2.2 * height,
        pick(("比例尺（CGCS2000 / 3° 高斯-克吕格 114°E）", "Scale (CGCS2000 / 3° GK 114°E)"), lang),
        fontsize=6,
        color="#424242",
        zorder=10,
    )


def _north_arrow(ax) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - 0.06 * (x1 - x0), y1 - 0.17 * (y1 - y0)
    dy = 0.09 * (y1 - y0)
    ax.add_patch(
        FancyArrow(
            x,
            y,
            0,
            dy,
            width=0.008 * (x1 - x0),
            head_width=0.03 * (x1 - x0),
            head_length=0.04 * (y1 - y0),
            length_includes_head=True,
            color="#000000",
            zorder=10,
        )
    )
    ax.text(x, y + dy + 0.01 * (y1 - y0), "N", ha="center", va="bottom", fontsize=10, zorder=10)


def _finish(
    fig, ax, title: str, legend: Sequence[tuple[str, str]], legend_title: str, lang: str
) -> bytes:
    ax.set_title(title, fontsize=11)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_color("#9e9e9e")
    handles = [
        Patch(facecolor=color, edgecolor=_EDGE, linewidth=0.4, label=html.unescape(label))
        for color, label in legend
    ]
    if handles:
        ax.legend(
            handles=handles,
            title=legend_title,
            loc="upper left",
            fontsize=7,
            title_fontsize=8,
            framealpha=0.9,
        )
    _scale_bar(ax, lang)
    _north_arrow(ax)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.93)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=MAP_DPI)
    return buffer.getvalue()


def cjk_font(func: Callable[..., bytes]) -> Callable[..., bytes]:
    """Run a map function with the CJK font first in the font list (restored after)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> bytes:
        with matplotlib.rc_context({"font.family": [use_cjk_font(), "DejaVu Sans"]}):
            return func(*args, **kwargs)

    return wrapper


def _axes(parcels_m: gpd.GeoDataFrame):
    fig = Figure(figsize=_SIZE_IN)
    ax = fig.subplots()
    minx, miny, maxx, maxy = parcels_m.total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - 0.12 * (maxy - miny) - pad, maxy + pad)
    return fig, ax


@cjk_font
def status_map(
    parcels: gpd.GeoDataFrame, parks: gpd.GeoDataFrame | None, *, title: str, lang: str = "zh"
) -> bytes:
    """PNG of the parcels coloured by status (地块状态)."""
    parcels_m = to_metric(parcels)
    fig, ax = _axes(parcels_m)
    colors = category_colors(parcels_m["status"], STATUS_COLORS)
    _draw(ax, parcels_m, colors, edgecolor=_EDGE, linewidth=0.15)
    _draw_base(ax, _metric(parks))
    legend = code_legend(STATUS, STATUS_COLORS, lang, present=set(parcels_m["status"]))
    return _finish(fig, ax, title, legend, pick(("地块状态", "Parcel status"), lang), lang)


@cjk_font
def changes_map(
    parcels: gpd.GeoDataFrame,
    changes: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    title: str,
    lang: str = "zh",
) -> bytes:
    """PNG of the parcels a scenario added, removed or modified over the grey parcels."""
    parcels_m = to_metric(parcels)
    fig, ax = _axes(parcels_m)
    _draw(ax, parcels_m, NO_VALUE_COLOR, edgecolor="#bdbdbd", linewidth=0.1)
    changes_m = _metric(changes)
    present: set[str] = set()
    if changes_m is not None:
        present = set(changes_m["change"])
        _draw(
            ax,
            changes_m,
            category_colors(changes_m["change"], CHANGE_COLORS),
            edgecolor="#000000",
            linewidth=0.5,
            zorder=4,
        )
    _draw_base(ax, _metric(parks))
    legend = [
        (CHANGE_COLORS[code], pick(CHANGE_LABELS[code], lang))
        for code in CHANGE_COLORS
        if code in present
    ]
    return _finish(fig, ax, title, legend, pick(("情景变化", "Changes"), lang), lang)


@cjk_font
def blocks_map(
    parcels: gpd.GeoDataFrame,
    blocks: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    title: str,
    lang: str = "zh",
) -> bytes:
    """PNG of the contiguous blocks (连片) by size class: 平方公里级, ≥ 10 ha, smaller."""
    parcels_m = to_metric(parcels)
    fig, ax = _axes(parcels_m)
    _draw(ax, parcels_m, "#f5f5f5", edgecolor="#d6d6d6", linewidth=0.1)
    blocks_m = _metric(blocks)
    present: set[str] = set()
    if blocks_m is not None:
        present = set(blocks_m["size_class"])
        _draw(
            ax,
            blocks_m,
            category_colors(blocks_m["size_class"], SIZE_CLASS_COLORS),
            edgecolor="#424242",
            linewidth=0.3,
            zorder=3,
        )
    _draw_base(ax, _metric(parks))
    legend = code_legend(SIZE_CLASS, SIZE_CLASS_COLORS, lang, present=present)
    return _finish(fig, ax, title, legend, pick(("连片规模", "Block size"), lang), lang)


@cjk_font
def increment_map(
    capacity: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    *,
    title: str,
    lang: str = "zh",
    bins: Sequence[float] | None = None,
) -> bytes:
    """PNG of the GFA increment per parcel (万 m²), on quantile bins (or ``bins``, m²)."""
    capacity_m = to_metric(capacity)
    fig, ax = _axes(capacity_m)
    values = capacity_m["gfa_increment_m2"].to_numpy(dtype=float)
    edges = list(bins) if bins is not None else nice_bins(values)
    _draw(ax, capacity_m, value_colors(values, edges), edgecolor=_EDGE, linewidth=0.12)
    _draw_base(ax, _metric(parks))
    legend = bins_legend(
        edges, unit=pick(("万 m²", "10⁴ m²"), lang), none_label=pick(("无增量", "none"), lang)
    )
    return _finish(fig, ax, title, legend, pick(("新增建筑面积", "GFA increment"), lang), lang)
