"""The payload files the app serves: written once under a content hash, pruned when unused.

Map payloads (GeoJSON) and images (the hillshade PNG) are written to ``static/cache`` and
served by Streamlit's static serving, so a page carries URLs instead of megabytes of
inline data and the browser caches them. A file's name is the BLAKE2b hash of its bytes:
writing the same content again only refreshes the file's time, which is what pruning
looks at (files unused for :data:`STATIC_CACHE_MAX_AGE_DAYS` days go when a server starts).
No Streamlit here; the once-per-process pruning is :func:`ui.cache.prune_static_cache`.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

from ui.maps import (
    TILE_MIN_ZOOM,
    Overview,
    overview_of,
    payload_json,
    pmtiles_bytes,
)

__all__ = [
    "STATIC_CACHE",
    "STATIC_CACHE_MAX_AGE_DAYS",
    "STATIC_CACHE_URL",
    "prune_cache_dir",
    "publish",
    "publish_made",
    "publish_payload",
    "publish_tiles",
]

#: Payloads and images are written here once and served by Streamlit's static serving, so
#: the page carries URLs instead of megabytes of inline GeoJSON.
STATIC_CACHE = Path(__file__).resolve().parent.parent / "static" / "cache"
STATIC_CACHE_URL = "/app/static/cache"
#: Cached payloads not used for this long are removed when the server starts.
STATIC_CACHE_MAX_AGE_DAYS = 14


def publish(data: bytes, suffix: str) -> str:
    """Write ``data`` under a content-hash name in the static cache and return its URL."""
    return publish_made(data, suffix, lambda: data)


def publish_made(key: bytes, suffix: str, make: Callable[[], bytes]) -> str:
    """Write ``make()`` under the hash of ``key`` (what the file is made from) in the static
    cache, unless a file of that name is there already, and return its URL."""
    name = hashlib.blake2b(key, digest_size=12).hexdigest() + suffix
    path = STATIC_CACHE / name
    if path.exists():
        os.utime(path)  # in use again: keeps it from being pruned
    else:
        data = make()
        STATIC_CACHE.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # atomic: a reader never sees half a file
    return f"{STATIC_CACHE_URL}/{name}"


def publish_tiles(
    payload: dict, layer: str, *, overview_label: str | None = None
) -> tuple[str, Overview | None, str | None]:
    """Publish a payload as vector tiles (:func:`ui.maps.pmtiles_bytes`), made once per
    payload content (a restarted server finds the file it made before). With
    ``overview_label`` (the property naming each colour's category) a polygon payload also
    gets its generalised overview image (:func:`ui.maps.overview_of`) and its tiles start
    where the overview ends. Returns the tiles' URL, the overview (or None) and its
    image's URL (or None)."""
    overview = None if overview_label is None else overview_of(payload, overview_label)
    min_zoom = TILE_MIN_ZOOM if overview is None else overview.max_zoom
    key = f"{layer}\n{min_zoom}\n{payload_json(payload)}".encode()
    url = publish_made(key, ".pmtiles", lambda: pmtiles_bytes(payload, layer, min_zoom=min_zoom))
    if overview is None:
        return url, None, None
    return url, overview, publish(overview.png, ".png")


def publish_payload(payload: dict) -> str:
    """Publish a GeoJSON payload (compact UTF-8 JSON) and return its URL."""
    return publish(payload_json(payload).encode("utf-8"), ".json")


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
