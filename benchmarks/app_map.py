"""Time how long the 总览 map takes to show, on the demo and on a 20k-parcel dataset
(DESIGN §8: the demo map within 3 s of the page opening, 20k parcels within 5 s).

Each dataset gets its own server started as ``make run`` starts it (``python -m ui.serve``;
the 20k set through ``LANDPLAN_DATA``), with the browser tests' launcher and map reading
(tests/e2e); Chromium opens the page and the clock stops when
every data layer of the map holds its features. The first visit after the server starts
and the median of later visits (each in a fresh browser context, so nothing comes from the
browser's cache) are printed, with their ratio to the target and the 20k/demo ratio.

The 20k set is the demo with each parcel cut into strips (attributes inherited, areas
recomputed), so it covers the same district with the same statuses.

Usage: ``python benchmarks/app_map.py --parcels 20000 [--visits 3]``
Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH) and the front-end assets
(``make test`` or ``make run`` installs them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, map_counts, start_app  # noqa: E402
from layers.catalog import DEMO_DEM, DEMO_GPKG, load_demo  # noqa: E402
from layers.schema import LAYER_KINDS  # noqa: E402
from ui.cache import DATA_ENV, DEM_ENV  # noqa: E402

DEMO_TARGET_S = 3.0
LARGE_TARGET_S = 5.0


def strip_parcels(parcels: gpd.GeoDataFrame, n: int) -> gpd.GeoDataFrame:
    """About ``n`` parcels made by cutting each parcel into vertical strips of its bounds."""
    parts_each = np.full(len(parcels), n // len(parcels))
    parts_each[: n % len(parcels)] += 1
    metric = parcels.to_crs(4547)
    rows, geoms = [], []
    for (_, row), geom, k in zip(metric.iterrows(), metric.geometry, parts_each, strict=True):
        minx, miny, maxx, maxy = geom.bounds
        edges = np.linspace(minx, maxx, k + 1)
        for j in range(k):
            piece = shapely.intersection(geom, shapely.box(edges[j], miny, edges[j + 1], maxy))
            if piece.is_empty or piece.area < 1.0:
                continue
            polygons = getattr(piece, "geoms", [piece])
            largest = max((p for p in polygons if p.geom_type == "Polygon"), key=lambda p: p.area)
            attrs = row.drop(labels=["geometry", "area_m2", "gfa_current_m2"]).to_dict()
            attrs["parcel_id"] = f"{row.parcel_id}-{j + 1}"
            rows.append(attrs)
            geoms.append(largest)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4547).to_crs(4326)


def write_dataset(n: int, folder: Path) -> tuple[Path, int]:
    demo = load_demo()
    path = folder / f"pingshan_{n}.gpkg"
    for kind in LAYER_KINDS:
        gdf = demo.layer(kind)
        if kind == "parcels":
            gdf = strip_parcels(gdf, n)
            count = len(gdf)
        if gdf is not None:
            gdf.to_file(path, layer=kind, driver="GPKG")
    return path, count


def map_seconds(browser, url: str, parcels: int) -> tuple[float, float]:
    """Seconds until every map layer holds its features, counted from asking for the page
    and from the page's load event (the app's own script has started by then)."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url + "/")  # returns at the load event
    loaded = time.perf_counter()
    deadline = time.time() + 120
    while time.time() < deadline:
        counts = list(map_counts(page).values())  # empty while a rerun redraws the map
        if parcels in counts and len([c for c in counts if c > 0]) >= 3:
            now = time.perf_counter()
            context.close()
            return now - start, now - loaded
        time.sleep(0.05)
    context.close()
    raise SystemExit(f"the map of {url} did not fill within 120 s")


def measure(browser, env: dict, parcels: int, visits: int) -> list[float]:
    """First visit and median of later visits, each from the request and from load."""
    try:
        proc, url = start_app(env, subprocess.DEVNULL, timeout_s=180)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc
    try:
        first = map_seconds(browser, url, parcels)
        later = [map_seconds(browser, url, parcels) for _ in range(visits)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return [
        first[0],
        first[1],
        statistics.median(v[0] for v in later),
        statistics.median(v[1] for v in later),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=20000)
    parser.add_argument("--visits", type=int, default=3, help="later visits to take a median of")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        gpkg, n = write_dataset(args.parcels, Path(tmp))
        print(f"dataset: {n} parcels written in {time.perf_counter() - t0:.1f} s")
        base_env = {k: v for k, v in os.environ.items() if k not in (DATA_ENV, DEM_ENV)}
        large_env = dict(base_env, **{DATA_ENV: str(gpkg), DEM_ENV: str(DEMO_DEM)})
        demo_n = len(gpd.read_file(DEMO_GPKG, layer="parcels"))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            demo = measure(browser, base_env, demo_n, args.visits)
            large = measure(browser, large_env, n, args.visits)
            browser.close()

    print("seconds until the map shows every layer (median of later visits, each in a fresh")
    print("browser context); 'request' counts from asking for the page, 'load' from its load")
    print("event")
    header = ["first: request", "first: load", "later: request", "later: load", "target"]
    print(f"{'':24}" + "".join(f"{h:>16}" for h in header) + f"{'later load/target':>19}")
    for label, row, target in [
        (f"demo ({demo_n} parcels)", demo, DEMO_TARGET_S),
        (f"large ({n} parcels)", large, LARGE_TARGET_S),
    ]:
        cells = "".join(f"{v:>15.2f}s" for v in [*row, target])
        print(f"{label:24}{cells}{row[3] / target:>19.2f}")
    print(f"large/demo, later visits from load: {large[3] / demo[3]:.2f}×")


if __name__ == "__main__":
    main()
