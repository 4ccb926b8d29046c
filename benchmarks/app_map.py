"""Time how long the 总览 map takes to show, on the demo and on large parcel layers, drawn
as one GeoJSON per layer and as vector tiles (DESIGN §8: the demo within 3 s of the page
opening; 100,000 parcels within 2.5 s and 300,000 within 4 s of the load event with tiles).

Each dataset and path gets its own server started as ``make run`` starts it
(``python -m ui.serve``; large sets through ``LANDPLAN_DATA``; the GeoJSON path by raising
``LANDPLAN_TILE_MIN_FEATURES`` above the parcel count), with the browser tests' launcher
and map reading (tests/e2e). Chromium opens the page and the clock stops when every data
layer of the map holds its features — for the tiles, when the tiles in view are drawn
(the tile layer's ``load``, or the overview image's at the zooms it covers, see
:mod:`ui.maps._overview`) and the firms' layers hold theirs. The first visit after the
server starts and the median of later visits (each in a fresh browser context, so nothing
comes from the browser's cache) are printed with their ratio to the target, the
GeoJSON/tiles ratio at each size, and the page's JS heap (Chromium's ``JSHeapUsedSize``)
once the map shows.

Large sets: the demo's layers with the parcels replaced by a generated grid
(:func:`benchmarks.layouts.parcel_grid`) laid over the district, parcels of 30–58 m
(100k) or 14–26 m (300k, building-footprint scale); ``--strips`` cuts the demo's own
parcels into strips instead (slow to make; the set the earlier figures used).

Usage: ``python benchmarks/app_map.py --parcels 100000 300000 [--visits 3]``
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

from benchmarks.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    map_counts,
    map_frames,
    start_app,
)
from benchmarks.layouts import parcel_grid  # noqa: E402
from layers.catalog import DEMO_DEM, DEMO_GPKG, load_demo  # noqa: E402
from layers.schema import LAYER_KINDS  # noqa: E402
from ui.cache import DATA_ENV, DEM_ENV, TILE_MIN_FEATURES_ENV  # noqa: E402
from ui.maps import TILE_MIN_FEATURES  # noqa: E402

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


def _ready(page, parcels: int, tiles: bool) -> bool:
    counts = list(map_counts(page).values())  # empty while a rerun redraws the map
    if not tiles:
        return parcels in counts and len([c for c in counts if c > 0]) >= 3
    frames = map_frames(page)
    drawn = bool(frames) and frames[0].evaluate("() => window.ps_tiles_loaded || 0") > 0
    return drawn and len([c for c in counts if c > 0]) >= 2


def map_seconds(browser, url: str, parcels: int, tiles: bool) -> tuple[float, float, float]:
    """Seconds until every map layer holds its features, counted from asking for the page
    and from the page's load event (the app's own script has started by then), and the
    page's JS heap in MB at that moment."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    start = time.perf_counter()
    page.goto(url + "/")  # returns at the load event
    loaded = time.perf_counter()
    deadline = time.time() + 180
    while time.time() < deadline:
        if _ready(page, parcels, tiles):
            now = time.perf_counter()
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            context.close()
            return now - start, now - loaded, metrics["JSHeapUsedSize"] / 2**20
        time.sleep(0.05)
    context.close()
    raise TimeoutError(f"the map of {url} did not fill within 180 s")


def measure(browser, env: dict, parcels: int, visits: int, tiles: bool) -> list[float]:
    """First visit and median of later visits (from the request, from load), and the JS heap
    of the last visit."""
    try:
        proc, url = start_app(env, subprocess.DEVNULL, timeout_s=1200)
    except RuntimeError as exc:
        raise SystemExit(str(exc)) from exc
    try:
        first = map_seconds(browser, url, parcels, tiles)
        later = [map_seconds(browser, url, parcels, tiles) for _ in range(visits)]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return [
        first[0],
        first[1],
        statistics.median(v[0] for v in later),
        statistics.median(v[1] for v in later),
        later[-1][2],
    ]


def grid_dataset(n: int, folder: Path) -> tuple[Path, int]:
    """The demo with its parcels replaced by ``n`` generated parcels over the district."""
    cell_m = (30.0, 58.0) if n <= 150_000 else (14.0, 26.0)
    parcels = parcel_grid(n, cell_m=cell_m, seed=1, origin_lonlat=GRID_ORIGIN).parcels
    demo = load_demo()
    path = folder / f"grid_{n}.gpkg"
    for kind in LAYER_KINDS:
        gdf = parcels if kind == "parcels" else demo.layer(kind)
        if gdf is not None:
            gdf.to_file(path, layer=kind, driver="GPKG")
    return path, n


#: South-west corner of the generated grids: the district's.
GRID_ORIGIN = (114.26, 22.62)
TARGETS_S = {100_000: 2.5, 300_000: 4.0}
#: Above every parcel count: the GeoJSON path.
NEVER = str(10**9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--visits", type=int, default=3, help="later visits to take a median of")
    parser.add_argument("--strips", action="store_true", help="cut the demo's parcels instead")
    parser.add_argument("--no-geojson", action="store_true", help="measure the tiles only")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    base_env = {k: v for k, v in os.environ.items() if k not in (DATA_ENV, DEM_ENV)}
    base_env.pop(TILE_MIN_FEATURES_ENV, None)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        demo_n = len(gpd.read_file(DEMO_GPKG, layer="parcels"))
        demo = measure(browser, base_env, demo_n, args.visits, tiles=False)
        rows.append((f"demo ({demo_n}) GeoJSON", demo, DEMO_TARGET_S))
        for size in args.parcels:
            t0 = time.perf_counter()
            make = write_dataset if args.strips else grid_dataset
            gpkg, n = make(size, Path(tmp))
            print(f"dataset: {n} parcels written in {time.perf_counter() - t0:.1f} s", flush=True)
            env = dict(base_env, **{DATA_ENV: str(gpkg), DEM_ENV: str(DEMO_DEM)})
            target = TARGETS_S.get(size, LARGE_TARGET_S)
            tiles = measure(browser, env, n, args.visits, tiles=n >= TILE_MIN_FEATURES)
            rows.append((f"{n} tiles", tiles, target))
            if not args.no_geojson:
                geo_env = dict(env, **{TILE_MIN_FEATURES_ENV: NEVER})
                try:
                    geojson = measure(browser, geo_env, n, args.visits, tiles=False)
                except TimeoutError as exc:  # reported as "nan" in the table
                    print(f"{n} GeoJSON: {exc}", flush=True)
                    geojson = [float("nan")] * 5
                rows.append((f"{n} GeoJSON", geojson, target))
                print(
                    f"{n}: GeoJSON/tiles, later visits from load: {geojson[3] / tiles[3]:.2f}x",
                    flush=True,
                )
        browser.close()

    print("seconds until the map shows every layer (median of later visits, each in a fresh")
    print("browser context); 'request' counts from asking for the page, 'load' from its load")
    print("event; JS heap of the page once the map shows")
    header = [
        "first: request",
        "first: load",
        "later: request",
        "later: load",
        "JS heap MB",
        "target",
    ]
    print(
        f"{'':24}"
        + "".join(f"{h:>16}" for h in header)
        + f"{'later load/target':>19}{'later load/demo':>17}"
    )
    for label, row, target in rows:
        cells = "".join(f"{v:>15.2f}s" for v in row[:4]) + f"{row[4]:>16.0f}"
        print(f"{label:24}{cells}{target:>15.2f}s{row[3] / target:>19.2f}{row[3] / demo[3]:>17.2f}")
    print(
        "later load/demo: the same page on the demo's 2,913 parcels in this run — what the page "
        "itself costs on this machine, whatever the parcel layer."
    )


if __name__ == "__main__":
    main()
