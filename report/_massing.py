"""The report's 3D figure of 工业上楼: the building masses of the redeveloped parcels drawn
on the server as an axonometric view (matplotlib's 3D axes), as the 3D view of the
工业上楼容量 page shows them.

Method: :func:`analysis.massing.building_envelopes` gives, per redeveloped parcel and floor
band, a footprint inside the parcel with a base and a top height (m). Each band becomes a
prism — its top face and one quadrilateral per footprint edge (outlines simplified to
:data:`SIMPLIFY_M`; no bottom face, never seen from above) — coloured by band with the 3D
view's palette (:data:`ui.maps.BAND_COLORS`) and shaded by a light from the north-west so
the sides read apart. Heights are exaggerated by a whole factor so the tallest mass is
about :data:`HEIGHT_SHARE` of the drawn extent (a district is some 20 km across, buildings
some 100 m high: at true scale nothing would show); the factor is printed under the
figure. Park outlines lie on the ground plane. The view looks from the south-east,
30° above the horizon; north is up the page's diagonal, and the caption says so.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.colors import LightSource
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection

from analysis.massing import NEW, building_envelopes
from analysis.standards import Standards
from geo.crs import to_metric
from report._maps import cjk_font
from ui.i18n import band_label, pick
from ui.maps import BAND_COLORS, OTHER_BAND_COLOR

__all__ = ["HEIGHT_SHARE", "SIMPLIFY_M", "height_factor", "massing_figure", "prism_faces"]

#: The tallest mass is drawn about this share of the drawn extent high.
HEIGHT_SHARE = 0.04
#: Footprint outlines are simplified to this tolerance (m) before extrusion.
SIMPLIFY_M = 2.0
_SIZE_IN = (7.2, 5.4)
_DPI = 110


def height_factor(extent_m: float, max_height_m: float, share: float = HEIGHT_SHARE) -> int:
    """The whole vertical exaggeration that draws ``max_height_m`` at about ``share`` of
    ``extent_m`` (at least 1: masses are never drawn lower than they are)."""
    if max_height_m <= 0 or extent_m <= 0:
        return 1
    return max(1, round(share * extent_m / max_height_m))


def prism_faces(polygon: shapely.Polygon, base: float, top: float) -> list[np.ndarray]:
    """The top face and side faces of ``polygon`` extruded from ``base`` to ``top`` (same
    units as the coordinates), each an (n, 3) array of vertices; holes are ignored (the
    footprints are solid)."""
    ring = np.asarray(polygon.exterior.coords)[:-1, :2]
    following = np.roll(ring, -1, axis=0)
    n = len(ring)
    sides = np.empty((n, 4, 3))
    sides[:, 0, :2], sides[:, 1, :2] = ring, following
    sides[:, 2, :2], sides[:, 3, :2] = following, ring
    sides[:, :2, 2], sides[:, 2:, 2] = base, top
    return [np.column_stack([ring, np.full(n, top)]), *sides]


def _parts(geom) -> list[shapely.Polygon]:
    if geom is None or geom.is_empty:
        return []
    if isinstance(geom, shapely.Polygon):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, shapely.Polygon)]


@cjk_font
def massing_figure(
    capacity: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame | None,
    standards: Standards,
    *,
    title: str,
    lang: str = "zh",
) -> bytes:
    """PNG of the redeveloped parcels' building masses by floor band (method above)."""
    envelopes = building_envelopes(capacity, standards, include_existing=False)
    heights = envelopes[["base_m", "height_m"]].to_numpy(dtype=float)
    drawable = np.isfinite(heights).all(axis=1) & (heights[:, 1] > heights[:, 0])
    new = envelopes.loc[(envelopes["mass"] == NEW).to_numpy() & drawable]
    fig = Figure(figsize=_SIZE_IN)
    ax = fig.add_subplot(projection="3d")
    ax.set_title(title, fontsize=11)
    ax.set_axis_off()
    if new.empty:
        ax.text2D(
            0.5,
            0.5,
            pick(("没有改造地块", "No redeveloped parcel"), lang),
            transform=ax.transAxes,
            ha="center",
        )
        return _png(fig)
    masses = to_metric(new)
    minx, miny, maxx, maxy = masses.total_bounds
    extent = max(maxx - minx, maxy - miny, 1.0)
    top_m = float(masses["height_m"].max())
    factor = height_factor(extent, top_m)
    faces: list[np.ndarray] = []
    colours: list[tuple[float, ...]] = []
    # coordinates from the south-west corner of the masses (metres)
    simple = shapely.simplify(masses.geometry.translate(-minx, -miny).to_numpy(), SIMPLIFY_M)
    for geom, band, base, top in zip(
        simple, masses["band"], masses["base_m"], masses["height_m"], strict=True
    ):
        rgba = (*(np.array(BAND_COLORS.get(band, OTHER_BAND_COLOR)[:3]) / 255.0), 1.0)
        for part in _parts(geom):
            made = prism_faces(part, float(base) * factor, float(top) * factor)
            faces.extend(made)
            colours.extend([rgba] * len(made))
    light = LightSource(azdeg=315, altdeg=45)
    masses_3d = Poly3DCollection(
        faces, facecolors=colours, edgecolors=colours, linewidths=0.0, shade=True, lightsource=light
    )
    masses_3d.set_zorder(2)
    ax.computed_zorder = False  # the ground outlines first, the masses over them
    if parks is not None and len(parks):
        outlines = []
        for boundary in to_metric(parks).boundary:
            for line in getattr(boundary, "geoms", [boundary]):
                xy = np.asarray(line.coords)[:, :2] - np.array([minx, miny])
                outlines.append(np.column_stack([xy, np.zeros(len(xy))]))
        outline_3d = Line3DCollection(outlines, colors="#1b5e20", linewidths=0.6, zorder=1)
        ax.add_collection3d(outline_3d, autolim=False)
    ax.add_collection3d(masses_3d, autolim=False)  # limits set below
    pad = 0.03 * extent
    ax.set_xlim(-pad, maxx - minx + pad)
    ax.set_ylim(-pad, maxy - miny + pad)
    ax.set_zlim(0, top_m * factor * 1.05)
    ax.set_box_aspect(
        (maxx - minx + 2 * pad, maxy - miny + 2 * pad, top_m * factor * 1.05), zoom=1.1
    )
    ax.view_init(elev=30, azim=-60)
    handles = [
        Patch(
            facecolor=np.array(BAND_COLORS.get(b.key, OTHER_BAND_COLOR)[:3]) / 255.0,
            edgecolor="#424242",
            linewidth=0.4,
            label=band_label(b, lang),
        )
        for b in standards.highrise.bands
    ]
    ax.legend(
        handles=handles,
        title=pick(("楼层段", "Floor band"), lang),
        loc="upper left",
        fontsize=7,
        title_fontsize=8,
        framealpha=0.9,
    )
    note = pick(
        (
            f"高度放大 {factor} 倍；最高 {top_m:.0f} m；自东南方向俯视；绿色轮廓为园区边界",
            f"Heights ×{factor}; tallest {top_m:.0f} m; seen from the south-east; "
            "green outlines: park boundaries",
        ),
        lang,
    )
    fig.text(0.5, 0.02, note, ha="center", fontsize=7, color="#424242")
    return _png(fig)


def _png(fig: Figure) -> bytes:
    fig.subplots_adjust(left=0.0, right=1.0, bottom=0.04, top=0.93)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI)
    return buffer.getvalue()
