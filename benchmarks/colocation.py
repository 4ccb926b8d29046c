"""Benchmark: global CLQ matrix + one local CLQ with 99 permutations on clustered points.

Run from the repository root::

    python benchmarks/colocation.py            # --n 100000 by default
    python benchmarks/colocation.py --n 20000 --ref-n 1000

Synthetic data: ``--clusters`` categories of points placed around 坪山 (EPSG:4326 input,
so the reprojection to EPSG:4547 is timed too); each category has a few hotspots of a
few hundred metres plus a scattered share, so the CLQ matrix has real structure.

Timed (best of ``--repeat`` runs):
- global CLQ matrix, no permutations (the figure the ≤ 10 s target counts);
- global CLQ matrix with ``--permutations`` relabellings (p-values), timed separately;
- one local CLQ A→B with ``--permutations`` conditional permutations.

The anchor is the plain double-loop implementation in benchmarks/clq_loops.py (the
reference the tests check against) on ``--ref-n`` points, with the same permutations; the
vectorised code runs on the same small set for a like-for-like ratio, and the results are
compared.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from analysis.colocation import colocation_quotients, local_colocation
from benchmarks.clq_loops import loop_global, loop_local
from layers.schema import CLUSTER

TARGET_S = 10.0
CENTRE_M = (538_000.0, 2_513_000.0)  # ≈ 114.37 E, 22.72 N in EPSG:4547
CATEGORIES = list(CLUSTER.codes)


def synthetic_points(n: int, n_cat: int, seed: int) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """n clustered points in EPSG:4326 and their EPSG:4547 coordinates."""
    rng = np.random.default_rng(seed)
    cats = np.array(CATEGORIES[:n_cat], dtype=object)
    label_idx = rng.integers(0, n_cat, n)
    hotspots = rng.uniform([-8000, -5000], [8000, 5000], size=(n_cat, 4, 2))
    which = rng.integers(0, 4, n)
    xy = hotspots[label_idx, which] + rng.normal(0, 400, size=(n, 2))
    scattered = rng.random(n) < 0.3
    xy[scattered] = rng.uniform([-9000, -6000], [9000, 6000], size=(scattered.sum(), 2))
    xy += CENTRE_M
    lon, lat = Transformer.from_crs("EPSG:4547", "EPSG:4326", always_xy=True).transform(
        xy[:, 0], xy[:, 1]
    )
    gdf = gpd.GeoDataFrame(
        {"ent_id": [f"E{i:06d}" for i in range(n)], "cluster": cats[label_idx]},
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    return gdf, xy


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--permutations", type=int, default=99)
    parser.add_argument("--ref-n", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    a, b = CATEGORIES[0], CATEGORIES[1]
    perms, k = args.permutations, args.k

    points, _ = synthetic_points(args.n, args.clusters, args.seed)
    t_global, table = best_of(
        lambda: colocation_quotients(points, k=k, permutations=0), args.repeat
    )
    t_global_p, _ = best_of(
        lambda: colocation_quotients(points, k=k, permutations=perms, seed=0), 1
    )
    t_local, local = best_of(
        lambda: local_colocation(points, a, b, k=k, permutations=perms, seed=0), args.repeat
    )
    total = t_global + t_local
    print(
        f"n = {args.n:,} points, {args.clusters} clusters, k = {k}, "
        f"{perms} permutations ({len(local):,} points of '{a}' in the local CLQ)"
    )
    print(f"  global CLQ matrix, no permutations   {t_global:8.3f} s")
    print(f"  global CLQ matrix, {perms} permutations  {t_global_p:8.3f} s")
    print(f"  local CLQ {a}->{b}, {perms} permutations  {t_local:8.3f} s")
    print(
        f"  global (no p) + local               {total:8.3f} s   target <= {TARGET_S:.0f} s: "
        f"{'OK' if total <= TARGET_S else 'MISSED'} (ratio to target {total / TARGET_S:.2f})"
    )
    print(f"  global (with p) + local             {t_global_p + t_local:8.3f} s")
    print(
        f"  largest CLQ: {table.loc[table['clq'].idxmax(), ['category_a', 'category_b']].tolist()}"
        f" = {table['clq'].max():.2f}"
    )

    small, small_xy = synthetic_points(args.ref_n, args.clusters, args.seed + 1)
    labels = small["cluster"].to_numpy()
    start = time.perf_counter()
    ref_global, ref_pu, _ = loop_global(small_xy, labels, k, perms, 0)
    t_ref_global = time.perf_counter() - start
    start = time.perf_counter()
    _, ref_local, ref_lpu, _ = loop_local(small_xy, labels, a, b, k, perms, 0)
    t_ref_local = time.perf_counter() - start
    t_vec_global, vec_table = best_of(
        lambda: colocation_quotients(small, k=k, permutations=perms, seed=0), args.repeat
    )
    t_vec_local, vec_local = best_of(
        lambda: local_colocation(small, a, b, k=k, permutations=perms, seed=0), args.repeat
    )
    diff_global = max(
        abs(r.clq - ref_global[r.category_a, r.category_b]) for r in vec_table.itertuples()
    )
    diff_p = max(
        abs(r.p_upper - ref_pu[r.category_a, r.category_b]) for r in vec_table.itertuples()
    )
    diff_local = float(np.max(np.abs(vec_local["lclq"].to_numpy() - np.asarray(ref_local))))
    diff_lp = float(np.max(np.abs(vec_local["p_upper"].to_numpy() - np.asarray(ref_lpu))))
    print(f"\nreference (double loops) on n = {args.ref_n:,}, {perms} permutations")
    print(
        f"  loop global CLQ + p     {t_ref_global:8.3f} s   vectorised {t_vec_global:7.3f} s"
        f"   speed-up {t_ref_global / t_vec_global:7.1f}x"
    )
    print(
        f"  loop local CLQ + p      {t_ref_local:8.3f} s   vectorised {t_vec_local:7.3f} s"
        f"   speed-up {t_ref_local / t_vec_local:7.1f}x"
    )
    print(
        f"  max |difference|: global CLQ {diff_global:.1e}, global p {diff_p:.1e}, "
        f"local CLQ {diff_local:.1e}, local p {diff_lp:.1e}"
    )
    print(
        f"  vectorised at n = {args.n:,} (global with p + local) vs loops at "
        f"n = {args.ref_n:,}: {(t_global_p + t_local) / (t_ref_global + t_ref_local):.2f}x "
        f"the time for {args.n / args.ref_n:.0f}x the points"
    )


if __name__ == "__main__":
    main()
