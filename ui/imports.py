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
:func:`load_imported_layers`). Every save or reopening touches the file (its modification
time is its last use), and after every save the kept imports are pruned to a quota
(:func:`prune_kept_imports`: at most ``$LANDPLAN_IMPORTS_MAX_COUNT`` files, default 20,
and ``$LANDPLAN_IMPORTS_MAX_MB`` MB, default 1024), least recently used first, never the
one just saved nor one the caller says is in use. A write that fails (full disk,
read-only folder) leaves no partial file and is an :class:`~geo.errors.InputError`.

No Streamlit here: functions take plain data and the language of the messages.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from geo.io import (
    ReadReport,
    drop_rows,
    read_layer_with_report,
    write_csv,
    write_geojson,
    write_gpkg,
    write_xlsx,
)
from geo.values import is_blank
from layers.catalog import LayerSet, layer_fingerprint, load_layerset, save_layerset
from layers.mapping import FieldMapping, apply_mapping, propose_mapping, require_complete
from layers.schema import validate_layer
from layers.team import TeamStore, TeamUser, authorize_base_import
from layers.workspace import WORKSPACE_ENV, workspace_dir
from layers.zoning import assign_parks, has_park_ids, unknown_park_ids
from ui.i18n import pick

__all__ = [
    "AUTO",
    "EXPORT_FORMATS",
    "IMPORTS_FOLDER",
    "IMPORTS_MAX_COUNT_ENV",
    "IMPORTS_MAX_MB_ENV",
    "YEAR_LAYER",
    "ZONED_KINDS",
    "KeptImports",
    "PendingImport",
    "RawImport",
    "ReadOptions",
    "confirm_import",
    "earlier_enterprise_lists",
    "export_bytes",
    "fill_park_ids",
    "finish_import",
    "import_quota",
    "kept_import_files",
    "kept_imports",
    "load_imported_layers",
    "outside_district",
    "park_changes",
    "prune_kept_imports",
    "read_import",
    "read_raw",
    "rezone",
    "rezone_key",
    "rezones",
    "sample_values",
    "save_imported_layers",
    "value_counts",
    "with_park_ids",
    "without_rows",
]

#: Coordinate-system choice meaning "the file's own CRS".
AUTO = "auto"
#: Layers whose features belong to a park (``park_id``).
ZONED_KINDS = ("parcels", "enterprises")
#: Imported layers are kept as ``<workspace>/imports/<content id>.gpkg``.
IMPORTS_FOLDER = "imports"
_IMPORT_ID = re.compile(r"[0-9a-f]{16}")
#: Environment variables bounding the kept imports: how many files, how many MB in all.
IMPORTS_MAX_COUNT_ENV = "LANDPLAN_IMPORTS_MAX_COUNT"
IMPORTS_MAX_MB_ENV = "LANDPLAN_IMPORTS_MAX_MB"
DEFAULT_IMPORTS_MAX_COUNT = 20
DEFAULT_IMPORTS_MAX_MB = 1024
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


@dataclass(frozen=True)
class RawImport:
    """A file read but not yet mapped: the frame as read, its report, and what was asked.

    ``token`` identifies the upload (name, size and a content hash), so widgets of the
    mapping step start afresh for a new file.
    """

    kind: str
    filename: str
    gdf: gpd.GeoDataFrame
    report: ReadReport
    options: ReadOptions
    token: str
    swap_xy: bool = False

    @property
    def columns(self) -> list[str]:
        """The file's attribute columns, in file order (the geometry left out)."""
        return [str(c) for c in self.gdf.columns if c != self.gdf.geometry.name]


def read_raw(
    data: bytes, filename: str, kind: str, options: ReadOptions, *, swap_xy: bool = False
) -> RawImport:
    """Read an upload without validating it; the first step of an import.

    Raises
    ------
    InputError
        The file cannot be read. ``code == "swapped_axes"`` when its longitude and
        latitude look swapped (the page offers to read it again with ``swap_xy=True``).
    """
    raw, report = read_layer_with_report(
        data,
        filename=filename,
        layer=options.layer.strip() or None,
        coord_system=options.crs(),
        x_col=options.x_col.strip() or None,
        y_col=options.y_col.strip() or None,
        encoding=options.encoding.strip() or None,
        swap_xy=swap_xy,
    )
    digest = hashlib.sha256(data).hexdigest()[:16]
    return RawImport(kind, filename, raw, report, options, f"{digest}-{kind}", swap_xy)


def outside_district(raw: RawImport, boundary: gpd.GeoDataFrame | None) -> list[int]:
    """Report row numbers of features inside Shenzhen's box but not touching the district
    (``boundary``'s outline); those outside Shenzhen altogether are ``report.outside_rows``."""
    if boundary is None or len(boundary) == 0 or len(raw.gdf) == 0:
        return []
    outline = shapely.union_all(np.asarray(boundary.to_crs(raw.gdf.crs).geometry.array))
    geoms = np.asarray(raw.gdf.geometry.array)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    away = present & ~shapely.intersects(outline, geoms)
    far = set(raw.report.outside_rows)
    rows = [raw.report.row_numbers[i] for i in np.flatnonzero(away)]
    return [r for r in rows if r not in far]


def without_rows(raw: RawImport, rows: Iterable[int]) -> RawImport:
    """``raw`` with the given report rows dropped; the report says which."""
    gdf, report = drop_rows(raw.gdf, raw.report, list(rows))
    return dataclasses.replace(raw, gdf=gdf, report=report)


def sample_values(gdf: pd.DataFrame, column: str, count: int = 3) -> list[str]:
    """The first ``count`` distinct non-blank values of a column, as text."""
    seen: list[str] = []
    for value in gdf[column].tolist():
        text = "" if is_blank(value) else str(value).strip()
        if text and text not in seen:
            seen.append(text)
            if len(seen) == count:
                break
    return seen


def value_counts(gdf: pd.DataFrame, column: str) -> list[tuple[str, int]]:
    """Distinct non-blank values of a column as text, with their counts, most common first."""
    texts = [str(v).strip() for v in gdf[column].tolist() if not is_blank(v)]
    counts = pd.Series(texts, dtype=object).value_counts(sort=True)
    return [(str(k), int(v)) for k, v in counts.items()]


def finish_import(
    raw: RawImport,
    mapping: FieldMapping,
    parks: gpd.GeoDataFrame | None,
    *,
    taken_ids: Iterable[object] = (),
    lang: str = "zh",
) -> PendingImport:
    """Apply the planner's field mapping, validate, and (parcels, firms) zone the layer.

    The report of the read, every mapping note and the park lines are the pending import's
    messages, in that order.

    Raises
    ------
    InputError
        A required field is left empty by the mapping, or the mapped layer fails validation.
    """
    try:
        require_complete(raw.gdf, mapping)
    except InputError as exc:
        raise InputError(exc.zh, exc.en, source=raw.filename, details=exc.details) from exc
    mapped, notes = apply_mapping(raw.gdf, mapping, taken_ids=taken_ids)
    validated = validate_layer(raw.kind, mapped, source=raw.filename, use_aliases=False)
    validated, park_lines, park_warnings = fill_park_ids(
        raw.kind, validated, parks, rederive=raw.options.rederive_parks, lang=lang
    )
    note_lines = [pick((n.zh, n.en), lang) for n in notes]
    unit_warnings = [pick((n.zh, n.en), lang) for n in notes if n.action in ("unit", "unmapped")]
    return PendingImport(
        kind=raw.kind,
        gdf=validated,
        filename=raw.filename,
        messages=raw.report.messages(lang) + note_lines + park_lines,
        warnings=raw.report.warning_messages(lang) + unit_warnings + park_warnings,
    )


def read_import(
    data: bytes,
    filename: str,
    kind: str,
    options: ReadOptions,
    parks: gpd.GeoDataFrame | None,
    *,
    lang: str = "zh",
) -> PendingImport:
    """Read an upload and import it with the proposed mapping accepted as it is.

    The one-step path (:func:`read_raw`, :func:`layers.mapping.propose_mapping`,
    :func:`finish_import`): the page shows the proposal for the planner to change instead.

    Raises
    ------
    InputError
        The file cannot be read, or is not a valid layer of ``kind`` under the proposal.
    """
    raw = read_raw(data, filename, kind, options)
    return finish_import(raw, propose_mapping(raw.gdf, kind), parks, lang=lang)


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
    layers: LayerSet,
    pending: PendingImport,
    new_park_ids: dict[str, pd.Series] | None = None,
    *,
    user: TeamUser,
    team: TeamStore | None,
) -> LayerSet:
    """``layers`` with the pending layer in place, and re-zoned to ``new_park_ids`` when
    given (from :func:`rezone` on the pending parks).

    Replacing base data is for admins: ``user`` is checked (and the import recorded in
    ``team``'s audit trail) first, by :func:`layers.team.authorize_base_import`.
    """
    authorize_base_import(
        user, team, kind=pending.kind, rows=len(pending.gdf), name=pending.filename
    )
    result = layers.with_layer(pending.kind, pending.gdf, is_demo=False)
    if new_park_ids:
        result = with_park_ids(result, new_park_ids)
    return result


# --------------------------------------------------------------------------- kept imports


@dataclass(frozen=True)
class KeptImports:
    """The imports kept in the workspace: how many, their total size, and the quota."""

    count: int
    size_bytes: int
    max_count: int
    max_bytes: int


def _imports_dir() -> Path:
    return workspace_dir() / IMPORTS_FOLDER


def _env_limit(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(
            f"环境变量 {name} 应为正整数，现为「{text}」。请改正或删除该变量（默认 {default}）。",
            f"{name} must be a positive whole number, not '{text}'. Correct it or unset it "
            f"(default {default}).",
        )
    return value


def import_quota() -> tuple[int, int]:
    """(most files, most bytes) the kept imports may take: ``$LANDPLAN_IMPORTS_MAX_COUNT``
    (default 20) and ``$LANDPLAN_IMPORTS_MAX_MB`` (default 1024 MB)."""
    count = _env_limit(IMPORTS_MAX_COUNT_ENV, DEFAULT_IMPORTS_MAX_COUNT)
    megabytes = _env_limit(IMPORTS_MAX_MB_ENV, DEFAULT_IMPORTS_MAX_MB)
    return count, megabytes * 1024**2


def _kept_files() -> list[tuple[str, Path, int, float]]:
    """(id, path, size in bytes, last use as a POSIX time) of every kept import, least
    recently used first."""
    folder = _imports_dir()
    if not folder.is_dir():
        return []
    kept = []
    for path in folder.glob("*.gpkg"):
        if not _IMPORT_ID.fullmatch(path.stem):
            continue  # temporary files of a save in progress
        try:
            info = path.stat()
        except FileNotFoundError:
            continue  # pruned by another session meanwhile
        kept.append((path.stem, path, info.st_size, info.st_mtime))
    return sorted(kept, key=lambda item: (item[3], item[0]))


def kept_imports() -> KeptImports:
    """How many imports are kept, their size and the quota."""
    files = _kept_files()
    max_count, max_bytes = import_quota()
    return KeptImports(len(files), sum(f[2] for f in files), max_count, max_bytes)


def prune_kept_imports(in_use: Iterable[str] = ()) -> list[str]:
    """Delete the least recently used kept imports until the quota holds; never those
    ``in_use``. Returns the ids deleted. A file that cannot be deleted is left (and the
    quota stays exceeded until a later save)."""
    max_count, max_bytes = import_quota()
    keep = set(in_use)
    files = _kept_files()
    count, size = len(files), sum(f[2] for f in files)
    removed = []
    for import_id, path, nbytes, _ in files:
        if count <= max_count and size <= max_bytes:
            break
        if import_id in keep:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            pass  # pruned by another session meanwhile: it no longer counts either
        except OSError:
            continue
        count, size = count - 1, size - nbytes
        removed.append(import_id)
    return removed


def _touch(path: Path) -> None:
    """Mark a kept import as used now (its modification time is its last use)."""
    try:
        os.utime(path)
    except OSError:
        return  # a read-only workspace: the file is still usable, only its age is stale


def save_imported_layers(layers: LayerSet) -> str:
    """Keep ``layers`` in the workspace under their content id and return the id (a set
    already kept is not written again, only marked as used), then prune the kept imports
    to the quota, sparing this one (what the session now shows).

    Raises
    ------
    InputError
        The workspace or the file cannot be written (no partial file is left), or a quota
        variable is malformed.
    """
    import_quota()  # a malformed variable is said before anything is written
    import_id = layers.content_id
    path = _imports_dir() / f"{import_id}.gpkg"
    if path.exists():
        _touch(path)
    else:
        try:
            save_layerset(layers, path)
        except (OSError, DataSourceError, DataLayerError) as exc:
            raise _write_error(exc) from exc
    prune_kept_imports({import_id})
    return import_id


def _write_error(exc: Exception) -> InputError:
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or (
        "No space" in str(exc)
    )
    if full:
        return InputError(
            "磁盘空间已满，无法在工作区保存导入的数据。请清理磁盘空间，或把环境变量 "
            f"{IMPORTS_MAX_MB_ENV} 调小以少保留旧的导入。",
            "The disk is full: the imported data cannot be kept in the workspace. Free disk "
            f"space, or lower {IMPORTS_MAX_MB_ENV} to keep fewer old imports.",
        )
    return InputError(
        "无法在工作区保存导入的数据（文件夹不可写或写入失败）。请检查工作区文件夹，或设置环境变量 "
        f"{WORKSPACE_ENV} 指向可写的文件夹。",
        "The imported data cannot be kept in the workspace (the folder cannot be written or "
        f"the write failed). Check the workspace folder, or set {WORKSPACE_ENV} to a "
        "writable folder.",
    )


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
    path = _imports_dir() / f"{import_id}.gpkg"
    if not path.exists():
        raise InputError(
            f"链接中的导入数据（{import_id}）在工作区中已不存在，已显示默认数据。请重新导入。",
            f"The imported data of this address ({import_id}) is no longer in the workspace; "
            "the default data is shown. Import it again.",
        )
    try:
        layers = load_layerset(path, dem_path)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise InputError(
            f"链接中的导入数据（{import_id}）已损坏，无法打开，已显示默认数据。请重新导入。",
            f"The imported data of this address ({import_id}) is damaged and cannot be opened; "
            "the default data is shown. Import it again.",
        ) from exc
    _touch(path)
    return layers


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


# --------------------------------------------------------------------------- earlier years

#: Layers of a GeoPackage holding an earlier year's enterprise list: ``enterprises_2024``.
YEAR_LAYER = re.compile(r"enterprises_(\d{4})")


def earlier_enterprise_lists(gpkg: Path) -> dict[str, gpd.GeoDataFrame]:
    """The enterprise lists of earlier years kept in ``gpkg`` as layers
    ``enterprises_<year>``, validated like the enterprises layer, newest first.

    Raises
    ------
    InputError
        A list that does not pass the enterprises schema (every problem listed).
    """
    if not Path(gpkg).exists():
        return {}
    names = [name for name, _ in pyogrio.list_layers(gpkg) if YEAR_LAYER.fullmatch(name)]
    lists = {}
    for name in sorted(names, reverse=True):
        year = YEAR_LAYER.fullmatch(name).group(1)
        layer = gpd.read_file(gpkg, layer=name)
        lists[year] = validate_layer("enterprises", layer, source=f"{Path(gpkg).name}:{name}")
    return lists


def kept_import_files() -> list[tuple[str, float]]:
    """(id, last use as a POSIX time) of every kept import, most recently used first."""
    return [(stem, mtime) for stem, _path, _size, mtime in reversed(_kept_files())]
