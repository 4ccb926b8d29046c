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

from ui.maps import payload_json, pmtiles_bytes

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


def publish_tiles(payload: dict, layer: str) -> str:
    """Publish a payload as vector tiles (:func:`ui.maps.pmtiles_bytes`), made once per
    payload content (a restarted server finds the file it made before), and return the URL."""
    key = f"{layer}\n{payload_json(payload)}".encode()
    return publish_made(key, ".pmtiles", lambda: pmtiles_bytes(payload, layer))


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
