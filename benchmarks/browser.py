"""The app in a real browser: start it as ``make run`` does and read what its maps show.

Shared by the browser tests (``tests/e2e``) and the map-time benchmark
(``benchmarks/app_map.py``), so both measure the same thing:

- :func:`start_app` starts ``python -m ui.serve`` (the preloading server) on a free loopback
  port and waits for Streamlit's health endpoint;
- :func:`map_counts` reads, from inside a map's iframe, how many features each data layer
  (``window.data_layer_*``) holds; the map frames are taken from the iframe elements in
  document order, because ``page.frames`` lists frames in the order they were attached and
  may lead with one a rerun is removing.

Chromium is Debian's (``/usr/bin/chromium``, or ``$CHROMIUM_PATH``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "LOCAL_HOSTS",
    "MAP_FRAME",
    "describe_frames",
    "map_counts",
    "map_frame",
    "map_frames",
    "start_app",
    "stop_app",
    "wait_for_features",
]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env: dict, log, timeout_s: float = 60.0) -> tuple[subprocess.Popen, str]:
    """Start the app as `make run` does (``python -m ui.serve``, preloaded before the first
    visit) on a free loopback port; return the process and its base URL once it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ui.serve",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"the app did not answer within {timeout_s:.0f} s")


MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
COUNT_FEATURES = """() => {
    const counts = {};
    for (const k of Object.keys(window)) {
        if (k.startsWith('data_layer_') && window[k] && window[k].getLayers) counts[k] = window[k].getLayers().length;
    }
    return counts;
}"""


def map_frames(page) -> list:
    """The frames of the map iframes now in the page, in document order.

    Taken from the iframe elements rather than ``page.frames``: that list is in the order
    frames were attached, so after a rerun replaces a map it may still lead with a frame
    that is on its way out.
    """
    frames = []
    for element in page.query_selector_all(MAP_FRAME):
        try:
            frame = element.content_frame()
        except PlaywrightError:  # the element went away between the query and the call
            continue
        if frame is not None and not frame.is_detached():
            frames.append(frame)
    return frames


def map_frame(page, index: int = 0, timeout_s: float = 60.0):
    """The Leaflet map's frame once its container is drawn."""
    page.wait_for_selector(MAP_FRAME, timeout=timeout_s * 1000)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        frames = map_frames(page)
        try:
            if len(frames) > index and frames[index].query_selector(".leaflet-container"):
                return frames[index]
        except PlaywrightError:  # the frame was replaced by a rerun
            pass
        time.sleep(0.1)
    raise AssertionError("the Leaflet map did not appear")


def map_counts(page, index: int = 0) -> dict:
    """Features per data layer of map ``index``; {} while the map is being (re)drawn."""
    frames = map_frames(page)
    if len(frames) <= index:
        return {}
    try:
        return frames[index].evaluate(COUNT_FEATURES)
    except PlaywrightError:  # a rerun replaced the frame between the lookup and the call
        return {}


def describe_frames(page) -> str:
    """What the page's frames hold, for a failure message."""
    lines = []
    for frame in page.frames:
        try:
            counts = frame.evaluate(COUNT_FEATURES)
        except PlaywrightError as exc:
            counts = f"({type(exc).__name__})"
        lines.append(f"{frame.url[:80]} detached={frame.is_detached()} layers={counts}")
    lines.append(f"map iframes in the DOM: {page.locator(MAP_FRAME).count()}")
    return "\n".join(lines)


def wait_for_features(page, minimum_layers: int, index: int = 0, timeout_s: float = 60.0) -> dict:
    """Wait until map ``index`` has ``minimum_layers`` data layers with features."""
    map_frame(page, index, timeout_s)
    deadline = time.time() + timeout_s
    counts = {}
    while time.time() < deadline:
        counts = map_counts(page, index)
        if len([n for n in counts.values() if n > 0]) >= minimum_layers:
            return counts
        time.sleep(0.1)
    raise AssertionError(f"map layers did not fill: {counts}")


def stop_app(proc: subprocess.Popen) -> None:
    """Stop a server from :func:`start_app`: terminate, and kill it if it lingers."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
