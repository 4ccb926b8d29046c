"""Importing a layer, keeping imports in the workspace, exporting layers and results.

An import runs in two steps. :func:`read_import` reads an upload (any format
``geo.io.read_layer_with_report`` takes), validates it against the layer schema and, for
parcels and firms, fills in each feature's park from the active parks layer when the file
has no park codes (or when asked); it returns a :class:`PendingImport` holding the layer
and its report, and changes nothing. Only :func:`confirm_import` makes it part of a
LayerSet — with the parcels and firms re-zoned to imported parks when the planner keeps
that option (:func:`rezone`, :func:`park_changes`). A file failing at any step raises
:class:`~geo.errors.InputError` and leaves the layers as they were.

Imported layers are kept as ``<workspace>/imports/<content id>.gpkg`` so the address
(``?data=<id>``) can reopen them after a refresh (:func:`save_imported_layers`,
:func:`load_imported_layers`).

No Streamlit here: functions take plain data and the language of the messages.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyogrio.errors import DataSourceError

from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from geo.io import read_layer_with_report, write_csv, write_geojson, write_gpkg, write_xlsx
from layers.catalog import LayerSet, layer_fingerprint, load_layerset, save_layerset
from layers.schema import validate_layer
from layers.workspace import workspace_dir
from layers.zoning import assign_parks, has_park_ids, unknown_park_ids
from ui.i18n import pick

__all__ = [
    "AUTO",
    "EXPORT_FORMATS",
    "IMPORTS_FOLDER",
    "ZONED_KINDS",
    "PendingImport",
    "ReadOptions",
    "confirm_import",
    "export_bytes",
    "fill_park_ids",
    "load_imported_layers",
    "park_changes",
    "read_import",
    "rezone",
    "rezone_key",
    "rezones",
    "save_imported_layers",
    "with_park_ids",
]

#: Coordinate-system choice meaning "the file's own CRS".
AUTO = "auto"
#: Layers whose features belong to a park (``park_id``).
ZONED_KINDS = ("parcels", "enterprises")
#: Imported layers are kept as ``<workspace>/imports/<content id>.gpkg``.
IMPORTS_FOLDER = "imports"
_IMPORT_ID = re.compile(r"[0-9a-f]{16}")
#: Export formats, in the order offered.
EXPORT_FORMATS = ("geojson", "geojson_gcj02", "gpkg", "gpkg_4547", "csv", "xlsx")


@dataclass(frozen=True)
class ReadOptions:
    """What the planner says about an upload; empty text means "not given"."""

    coord_system: str = AUTO
    custom_crs: str = ""
    layer: str = ""
    x_col: str = ""
    y_col: str = ""
    encoding: str = ""
    rederive_parks: bool = False

    def crs(self) -> str | None:
        """The coordinate system to read with: the custom one, the chosen one, or None
        (the file's own)."""
        return self.custom_crs.strip() or (None if self.coord_system == AUTO else self.coord_system)


@dataclass(frozen=True)
class PendingImport:
    """A validated layer waiting for the planner's confirmation, with its report lines
    (``warnings`` is the subset of ``messages`` to show as warnings)."""

    kind: str
    gdf: gpd.GeoDataFrame
    filename: str
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fill_park_ids(
    kind: str, gdf: gpd.GeoDataFrame, parks: gpd.GeoDataFrame | None, *, rederive: bool, lang: str
) -> tuple[gpd.GeoDataFrame, list[str], list[str]]:
    """Give imported parcels or firms their park from the parks layer when the file has no
    park codes (or when asked to); warn about codes the parks layer does not know.

    Returns the layer, report lines in ``lang`` and the subset of those lines that are
    warnings.
    """
    if kind not in ZONED_KINDS or parks is None:
        return gdf, [], []
    if rederive or not has_park_ids(gdf):
        gdf = gdf.copy()
        gdf["park_id"] = assign_parks(gdf, parks)
        inside = int(gdf["park_id"].notna().sum())
        line = pick(
            (
                f"所属园区（park_id）已按当前园区图层推算：{inside} 个要素位于园区或产业带内，"
                f"{len(gdf) - inside} 个位于园区外（地块以面积过半为准）。",
                f"Parks (park_id) were derived from the active parks layer: {inside} features "
                f"lie in a park or the belt, {len(gdf) - inside} outside (a parcel belongs where "
                "most of its area lies).",
            ),
            lang,
        )
        return gdf, [line], []
    stray = unknown_park_ids(gdf, parks)
    if not stray:
        return gdf, [], []
    shown = "、".join(stray[:5]) + ("…" if len(stray) > 5 else "")
    line = pick(
        (
            f"所属园区编号 {shown} 不在当前园区图层中，按园区汇总时这些要素无法归入园区。"
            "可在「更多选项」中勾选「按园区边界重新推算所属园区」后重新读取。",
            f"Park codes {shown} are not in the active parks layer, so these features cannot be "
            "grouped by park. Tick 'Derive parks from the park boundaries' under More options "
            "and read the file again.",
        ),
        lang,
    )
    return gdf, [line], [line]


def read_import(
    data: bytes,
    filename: str,
    kind: str,
    options: ReadOptions,
    parks: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
) -> PendingImport:
    """Read, validate and (parcels, firms) zone an upload against ``parks``.

    Raises
    ------
    InputError
        The file cannot be read or is not a valid layer of ``kind``.
    """
    raw, report = read_layer_with_report(
        data,
        filename=filename,
        layer=options.layer.strip() or None,
        coord_system=options.crs(),
        x_col=options.x_col.strip() or None,
        y_col=options.y_col.strip() or None,
        encoding=options.encoding.strip() or None,
    )
    validated = validate_layer(kind, raw, source=filename)
    validated, park_lines, park_warnings = fill_park_ids(
        kind, validated, parks, rederive=options.rederive_parks, lang=lang
    )
    return PendingImport(
        kind=kind,
        gdf=validated,
        filename=filename,
        messages=report.messages(lang) + park_lines,
        warnings=report.warning_messages(lang) + park_warnings,
    )


# --------------------------------------------------------------------------- re-zoning


def rezones(layers: LayerSet, pending: PendingImport) -> bool:
    """Whether confirming ``pending`` can re-zone features: imported parks while the
    layers hold parcels or firms."""
    return pending.kind == "parks" and any(layers.layer(k) is not None for k in ZONED_KINDS)


def rezone_key(layers: LayerSet, parks: gpd.GeoDataFrame) -> str:
    """Cache key of :func:`rezone`: the zoned layers' and the new parks' fingerprints."""
    return layers.fingerprint(*ZONED_KINDS) + "|" + layer_fingerprint(parks)


def rezone(layers: LayerSet, parks: gpd.GeoDataFrame) -> dict[str, pd.Series]:
    """The park of every parcel and firm of ``layers`` under the parks ``parks``."""
    return {
        kind: assign_parks(layers.layer(kind), parks)
        for kind in ZONED_KINDS
        if layers.layer(kind) is not None
    }


def park_changes(layers: LayerSet, new_ids: dict[str, pd.Series]) -> dict[str, int]:
    """How many parcels and firms would change park."""
    changed = {}
    for kind, ids in new_ids.items():
        gdf = layers.layer(kind)
        old_ids = gdf["park_id"].fillna("") if "park_id" in gdf.columns else ""
        changed[kind] = int((ids.fillna("") != old_ids).sum())
    return changed


def with_park_ids(layers: LayerSet, new_ids: dict[str, pd.Series]) -> LayerSet:
    """``layers`` with the parcels' and firms' ``park_id`` replaced."""
    for kind, ids in new_ids.items():
        layers = layers.with_layer(kind, layers.layer(kind).assign(park_id=ids), is_demo=False)
    return layers


def confirm_import(
    layers: LayerSet, pending: PendingImport, new_park_ids: dict[str, pd.Series] | None = None
) -> LayerSet:
    """``layers`` with the pending layer in place, and re-zoned to ``new_park_ids`` when
    given (from :func:`rezone` on the pending parks)."""
    result = layers.with_layer(pending.kind, pending.gdf, is_demo=False)
    if new_park_ids:
        result = with_park_ids(result, new_park_ids)
    return result


# --------------------------------------------------------------------------- kept imports


def save_imported_layers(layers: LayerSet) -> str:
    """Keep ``layers`` in the workspace under their content id and return the id (a set
    already kept is not written again)."""
    import_id = layers.content_id
    path = workspace_dir() / IMPORTS_FOLDER / f"{import_id}.gpkg"
    if not path.exists():
        save_layerset(layers, path)
    return import_id


def load_imported_layers(import_id: str, dem_path: Path | None = None) -> LayerSet:
    """The layers kept under ``import_id``, with ``dem_path`` as their DEM.

    Raises
    ------
    InputError
        A malformed id (it names a file, so nothing but 16 hex digits is taken), or no
        layers kept under it, or a kept file that cannot be opened.
    """
    if not _IMPORT_ID.fullmatch(str(import_id)):
        raise InputError(
            "链接中的数据编号无效，已显示默认数据。",
            "The data id in the address is not valid; the default data is shown.",
        )
    path = workspace_dir() / IMPORTS_FOLDER / f"{import_id}.gpkg"
    if not path.exists():
        raise InputError(
            f"链接中的导入数据（{import_id}）在工作区中已不存在，已显示默认数据。请重新导入。",
            f"The imported data of this address ({import_id}) is no longer in the workspace; "
            "the default data is shown. Import it again.",
        )
    try:
        return load_layerset(path, dem_path)
    except (DataSourceError, OSError) as exc:
        raise InputError(
            f"链接中的导入数据（{import_id}）已损坏，无法打开，已显示默认数据。请重新导入。",
            f"The imported data of this address ({import_id}) is damaged and cannot be opened; "
            "the default data is shown. Import it again.",
        ) from exc


# --------------------------------------------------------------------------- export


def export_bytes(gdf: gpd.GeoDataFrame, fmt: str, name: str) -> tuple[bytes, str, str]:
    """A layer or result as a file of format ``fmt`` (one of :data:`EXPORT_FORMATS`):
    its bytes, file name and MIME type."""
    if fmt == "geojson":
        return write_geojson(gdf).encode("utf-8"), f"{name}.geojson", "application/geo+json"
    if fmt == "geojson_gcj02":
        return (
            write_geojson(gdf, coord_system="gcj02").encode("utf-8"),
            f"{name}_gcj02.geojson",
            "application/geo+json",
        )
    if fmt in ("gpkg", "gpkg_4547"):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.gpkg"
            write_gpkg({name: gdf}, path, crs=METRIC_CRS if fmt == "gpkg_4547" else WGS84)
            return path.read_bytes(), path.name, "application/geopackage+sqlite3"
    if fmt == "csv":
        return write_csv(gdf, geometry="xy"), f"{name}.csv", "text/csv"
    return (
        write_xlsx(gdf),
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
