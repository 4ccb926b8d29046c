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

from geo.errors import InputError
from geo.raster import Hillshade, hillshade_overlay
from layers.catalog import LayerSet, load_demo, load_layerset, save_layerset
from layers.store import workspace_dir

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
    return load_layerset(path, dem_path)
