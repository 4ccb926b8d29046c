"""Time floor_capacity on synthetic parcels around 坪山 against the 1 s target (DESIGN §8).

Usage: ``python benchmarks/capacity.py --n 100000``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.capacity import capacity_summary, floor_capacity
from analysis.standards import load_standards
from layers.schema import STATUS

TARGET_S = 1.0
PARKS = ("jinsha_bihu", "gaoxin_north", "gaoxin_south", "corridor", None)


def synthetic_parcels(n: int, seed: int = 0) -> gpd.GeoDataFrame:
    """``n`` random rectangles over 坪山 (EPSG:4326) with every parcels column."""
    rng = np.random.default_rng(seed)
    lon = rng.uniform(114.28, 114.43, n)
    lat = rng.uniform(22.66, 22.77, n)
    # 0.2–20 ha plots: ≈ 45–450 m sides at this latitude.
    side_lon = rng.uniform(0.00045, 0.0045, n)
    side_lat = rng.uniform(0.0004, 0.004, n)
    geometry = shapely.box(lon, lat, lon + side_lon, lat + side_lat)
    area_m2 = side_lon * 102_700.0 * side_lat * 110_800.0
    land_use = rng.choice(
        np.array(["M1", "M0", "W", "other"], dtype=object), n, p=[0.6, 0.2, 0.1, 0.1]
    )
    status = rng.choice(np.array(STATUS.codes, dtype=object), n)
    far_current = rng.uniform(0.3, 4.0, n)
    far_target = np.where(rng.random(n) < 0.05, rng.uniform(2.0, 6.0, n), np.nan)
    park = rng.choice(np.array(PARKS, dtype=object), n)
    return gpd.GeoDataFrame(
        {
            "parcel_id": np.char.add("P", np.arange(n).astype(str)).astype(object),
            "park_id": park,
            "status": status,
            "land_use": land_use,
            "area_m2": area_m2,
            "far_current": far_current,
            "gfa_current_m2": far_current * area_m2,
            "density_zone": rng.integers(1, 6, n),
            "name": None,
            "highrise": rng.random(n) < 0.1,
            "far_target": far_target,
            "source": "synthetic",
        },
        geometry=geometry,
        crs="EPSG:4326",
    )


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="number of parcels")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    parcels = synthetic_parcels(args.n)
    standards = load_standards()
    t_default = best_of(args.repeats, lambda: floor_capacity(parcels, standards))
    t_all = best_of(args.repeats, lambda: floor_capacity(parcels, standards, redevelop="all"))
    result = floor_capacity(parcels, standards)
    t_summary = best_of(args.repeats, lambda: capacity_summary(result, standards=standards))

    print(f"parcels: {args.n:,}  (best of {args.repeats})")
    print(
        f"floor_capacity, default scenario : {t_default:.3f} s  "
        f"ratio to {TARGET_S:g} s target: {t_default / TARGET_S:.2f}"
    )
    print(
        f"floor_capacity, redevelop='all'  : {t_all:.3f} s  "
        f"ratio to {TARGET_S:g} s target: {t_all / TARGET_S:.2f}"
    )
    print(f"capacity_summary (per park)       : {t_summary:.3f} s")
    print(f"total increment: {result['gfa_increment_m2'].sum() / 1e4:,.0f} 万 m²")


if __name__ == "__main__":
    main()
