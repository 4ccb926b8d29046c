"""Time the 工业上楼 3D view (DESIGN §8: ready in Chromium within 3 s on the demo).

Two parts:

1. **Pipeline** (no browser): the envelopes (:func:`analysis.massing.building_envelopes`)
   and the deck records (:func:`ui.massing_view.deck_records`) of the demo's capacity and
   of a 20,000-parcel grid (``benchmarks.layouts.parcel_grid``, every parcel low-efficiency
   land so every one is rebuilt), with the size of the JSON the page sends.
2. **Browser**: the app (``python -m ui.serve``) on the demo, Chromium (software WebGL)
   opens 工业上楼容量 in a fresh context and the clock stops when the deck.gl canvas shows
   the buildings (more than a flat background). Printed: the first visit after the server
   starts and the median of later visits, from the page's load event and from the arrival
   of the 3D element (the view's own time), and their ratios to the 3 s target. ``--large N`` repeats the browser part on the demo cut
   into about N parcels (``benchmarks.app_map.strip_parcels``).

Usage: ``python benchmarks/massing.py [--visits 3] [--large 20000]``
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.capacity import rule_capacity  # noqa: E402
from analysis.massing import building_envelopes  # noqa: E402
from analysis.standards import load_standards  # noqa: E402
from benchmarks.browser import CHROMIUM, start_app  # noqa: E402
from benchmarks.layouts import parcel_grid  # noqa: E402
from layers.catalog import DEMO_DEM, load_demo  # noqa: E402
from tests.e2e.test_massing import DECK, WEBGL_ARGS  # noqa: E402
from ui.cache import DATA_ENV, DEM_ENV  # noqa: E402
from ui.massing_view import deck_records  # noqa: E402

TARGET_S = 3.0


def pipeline(label: str, parcels) -> None:
    std = load_standards()
    capacity = rule_capacity(parcels, std)
    t0 = time.perf_counter()
    envelopes = building_envelopes(capacity, std)
    t1 = time.perf_counter()
    records = deck_records(envelopes)
    t2 = time.perf_counter()
    size_mb = len(json.dumps(records, ensure_ascii=False)) / 1e6
    print(
        f"{label:34} {int(capacity['redeveloped'].sum()):>7,} rebuilt  "
        f"envelopes {t1 - t0:6.2f} s  records {t2 - t1:6.2f} s  "
        f"{len(records):>7,} polygons  {size_mb:6.1f} MB JSON"
    )


def _drawn(canvas) -> bool:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("L"), dtype=float)
    return pixels.std() > 8.0 and (pixels < 200).mean() > 0.005


def view_seconds(browser, url: str) -> tuple[float, float]:
    """Seconds until the 3D canvas shows buildings, from the capacity page's load event and
    from the moment the 3D element reached the page (the view's own share)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    page.goto(url + "/capacity")
    loaded = time.perf_counter()
    deck = page.locator(DECK).first
    deck.wait_for(state="attached", timeout=180_000)
    arrived = time.perf_counter()
    deck.scroll_into_view_if_needed()
    canvas = deck.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    deadline = time.time() + 180
    while time.time() < deadline:
        if _drawn(canvas):
            now = time.perf_counter()
            context.close()
            return now - loaded, now - arrived
        time.sleep(0.05)
    context.close()
    raise SystemExit("the 3D view did not draw within 180 s")


def measure(browser, env: dict, visits: int) -> tuple[float, ...]:
    try:
        proc, url = start_app(env, subprocess.DEVNULL, timeout_s=180)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc
    try:
        first = view_seconds(browser, url)
        later = [view_seconds(browser, url) for _ in range(visits)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return (
        first[0],
        statistics.median(v[0] for v in later),
        first[1],
        statistics.median(v[1] for v in later),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", type=int, default=3)
    parser.add_argument("--large", type=int, default=0, help="also time ~N parcels in Chromium")
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    demo = load_demo()
    pipeline(f"demo ({len(demo.parcels)} parcels)", demo.parcels)
    grid = parcel_grid(20_000).parcels.assign(status="low_efficiency")
    pipeline(f"grid ({len(grid)} parcels)", grid)
    if args.no_browser:
        return
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    base_env = {k: v for k, v in os.environ.items() if k not in (DATA_ENV, DEM_ENV)}
    rows = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=WEBGL_ARGS)
        rows.append(
            (f"demo ({len(demo.parcels)} parcels)", *measure(browser, base_env, args.visits))
        )
        if args.large:
            from benchmarks.app_map import write_dataset

            with tempfile.TemporaryDirectory() as tmp:
                gpkg, n = write_dataset(args.large, Path(tmp))
                env = dict(base_env, **{DATA_ENV: str(gpkg), DEM_ENV: str(DEMO_DEM)})
                rows.append((f"large ({n} parcels)", *measure(browser, env, args.visits)))
        browser.close()
    print("seconds until the 3D canvas shows buildings, counted from the capacity page's load")
    print("event ('page') and from the 3D element's arrival on the page ('view'); later visits:")
    print(f"median; load average {os.getloadavg()[0]:.1f} (2 cores)")
    header = ["page first", "page later", "view first", "view later", "target"]
    print(
        f"{'':26}" + "".join(f"{h:>12}" for h in header) + f"{'page/target':>13}{'view/target':>13}"
    )
    for label, *values in rows:
        cells = "".join(f"{v:>11.2f}s" for v in [*values, TARGET_S])
        print(f"{label:26}{cells}{values[1] / TARGET_S:>13.2f}{values[3] / TARGET_S:>13.2f}")


if __name__ == "__main__":
    main()
