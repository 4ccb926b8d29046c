"""Process-wide resources of the app: the static payload cache, the demo layers, the
hillshade.

Kept apart from :mod:`ui.common` so that :mod:`ui.serve` can build them before the server
starts: this module imports no Streamlit component (a component imported before the server
runs is registered nowhere, and its frame stays empty).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import time
from pathlib import Path

import streamlit as st
from PIL import Image
from pyogrio.errors import DataSourceError

from geo.errors import InputError
from geo.raster import Hillshade, hillshade_overlay
from layers import map as lmap
from layers.catalog import LayerSet, load_demo, load_layerset, save_layerset
from layers.workspace import workspace_dir

#: Payloads and images are written here once and served by Streamlit's static serving, so
#: the page carries URLs instead of megabytes of inline GeoJSON.
STATIC_CACHE = Path(__file__).resolve().parent.parent / "static" / "cache"
STATIC_CACHE_URL = "/app/static/cache"
#: Cached payloads not used for this long are removed when the server starts.
STATIC_CACHE_MAX_AGE_DAYS = 14
#: A GeoPackage (one layer per kind: parcels, enterprises, parks, ...) the app opens with
#: instead of the demo, and optionally its DEM GeoTIFF.
DATA_ENV = "LANDPLAN_DATA"
DEM_ENV = "LANDPLAN_DEM"


def publish(data: bytes, suffix: str) -> str:
    """Write ``data`` under a content-hash name in the static cache and return its URL."""
    name = hashlib.blake2b(data, digest_size=12).hexdigest() + suffix
    path = STATIC_CACHE / name
    if path.exists():
        os.utime(path)  # in use again: keeps it from being pruned
    else:
        STATIC_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    return f"{STATIC_CACHE_URL}/{name}"


def prune_cache_dir(directory: Path, max_age_s: float, *, now: float | None = None) -> int:
    """Delete the files in ``directory`` last written or used more than ``max_age_s`` ago
    (temporary files left by an interrupted write included); return how many went."""
    if not directory.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for path in directory.iterdir():
        if not path.is_file():
            continue
        try:
            if now - path.stat().st_mtime > max_age_s:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another server process pruned it first
            continue
    return removed


@st.cache_resource(show_spinner=False)
def prune_static_cache() -> int:
    """Prune the payload cache once per server process, before this process has handed out
    any URL (a URL cached by ``st.cache_data`` is never re-checked, so files must not vanish
    while the process runs)."""
    return prune_cache_dir(STATIC_CACHE, STATIC_CACHE_MAX_AGE_DAYS * 86400)


@st.cache_resource(show_spinner=False)
def startup_layers() -> tuple[LayerSet, InputError | None]:
    """The layers every new session starts with, read once per server process.

    The GeoPackage named by ``LANDPLAN_DATA`` (with the DEM of ``LANDPLAN_DEM``) when set,
    else the bundled 示意数据. When that file cannot be used, the demo is returned with the
    error, for the page to show.
    """
    path = os.environ.get(DATA_ENV, "").strip()
    if not path:
        return load_demo(), None
    dem = os.environ.get(DEM_ENV, "").strip()
    try:
        return load_layerset(Path(path), Path(dem) if dem else None), None
    except InputError as exc:
        return load_demo(), exc


@st.cache_resource(show_spinner=False)
def hillshade(path: str) -> tuple[Hillshade, str]:
    """The DEM hillshade and the URL of its PNG."""
    shade = hillshade_overlay(path)
    buffer = io.BytesIO()
    Image.fromarray(shade.rgba).save(buffer, format="PNG")
    return shade, publish(buffer.getvalue(), ".png")


# --------------------------------------------------------------------------- map payloads
# Built once per layer state and display options (st.cache_data keyed on the layers'
# fingerprint); here rather than in ui.common so that ui.serve can build the 总览 defaults
# before the first visit.


def publish_payload(payload: dict) -> str:
    return publish(lmap.payload_json(payload).encode("utf-8"), ".json")


def context_payloads(layers: LayerSet, lang_code: str, system: str) -> tuple:
    """GeoJSON payloads of the boundary, parks, corridor axis and constraints (each None
    when the layer is absent) in ``system`` with labels in ``lang_code``."""
    fingerprint = layers.fingerprint("boundary", "parks", "corridor_axis", "constraints")
    return _context_payloads(fingerprint, lang_code, system, layers)


def parcels_url(layers: LayerSet, color_by: str, lang_code: str, system: str) -> str:
    """URL of the parcels GeoJSON coloured by ``color_by`` (status or land_use)."""
    return _parcels_url(layers.fingerprint("parcels", "parks"), color_by, lang_code, system, layers)


def enterprises_urls(layers: LayerSet, lang_code: str, system: str) -> tuple[str, str]:
    """URLs of the GeoJSON of the other firms and of the anchor firms."""
    return _enterprises_urls(layers.fingerprint("enterprises", "parks"), lang_code, system, layers)


def warm_map_payloads(layers: LayerSet) -> None:
    """Build what the 总览 map needs by default (Chinese, no online basemap, parcels by
    status), so the first visitor finds it ready."""
    system = lmap.BASEMAPS["none"][2]
    context_payloads(layers, "zh", system)
    if layers.parcels is not None:
        parcels_url(layers, "status", "zh", system)
    if layers.enterprises is not None:
        enterprises_urls(layers, "zh", system)


@st.cache_data(show_spinner=False, max_entries=32)
def _context_payloads(fingerprint: str, lang_code: str, system: str, _layers: LayerSet):
    layers = _layers
    boundary = (
        lmap.geojson_payload(layers.boundary, ["name", "level"], display_system=system)
        if layers.boundary is not None
        else None
    )
    parks = (
        lmap.geojson_payload(layers.parks, ["park_id", "name", "kind"], display_system=system)
        if layers.parks is not None
        else None
    )
    axis = (
        lmap.geojson_payload(layers.corridor_axis, ["name"], display_system=system)
        if layers.corridor_axis is not None
        else None
    )
    constraints = (
        lmap.constraints_payload(layers.constraints, lang=lang_code, display_system=system)
        if layers.constraints is not None
        else None
    )
    return boundary, parks, axis, constraints


@st.cache_data(show_spinner=False, max_entries=32)
def _parcels_url(
    fingerprint: str, color_by: str, lang_code: str, system: str, _layers: LayerSet
) -> str:
    payload = lmap.parcels_payload(
        _layers.parcels, _layers.parks, color_by=color_by, lang=lang_code, display_system=system
    )
    return publish_payload(payload)


@st.cache_data(show_spinner=False, max_entries=16)
def _enterprises_urls(
    fingerprint: str, lang_code: str, system: str, _layers: LayerSet
) -> tuple[str, str]:
    firms = _layers.enterprises
    others, anchors = (
        publish_payload(
            lmap.enterprises_payload(part, _layers.parks, lang=lang_code, display_system=system)
        )
        for part in (firms[~firms.is_anchor], firms[firms.is_anchor])
    )
    return others, anchors


# --------------------------------------------------------------------------- imported layers


#: Imported layers are kept as ``<workspace>/imports/<content id>.gpkg``.
IMPORTS_FOLDER = "imports"
_IMPORT_ID = re.compile(r"[0-9a-f]{16}")


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
        layers kept under it.
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
