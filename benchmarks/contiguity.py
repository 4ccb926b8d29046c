"""Benchmark 连片分析 against libpysal's fuzzy contiguity on a synthetic parcel grid.

Run from the repository root::

    python benchmarks/contiguity.py --n 100000

Both methods get the same jittered grid (``benchmarks/layouts.py``): branch-road gaps of
9.2–15.8 m inside blocks, trunk-road gaps of 39.2–60.8 m between them. The anchor is
``libpysal.graph.Graph.build_fuzzy_contiguity(buffer=tolerance/2)`` plus its component
labels: each parcel grown by half the tolerance, so two grown parcels meet exactly when
the parcels are within the tolerance of each other (up to the arc approximation of the
buffer at corners, which this layout keeps far from mattering). The anchor receives the
parcels already in EPSG:4547; ``contiguous_blocks`` receives them in EPSG:4326, as layers
are stored, and its time includes projecting them and building the block outlines.

A second run of ``contiguous_blocks`` uses a tolerance wider than the trunk roads and the
trunk-road centre lines as barriers; the barriers must give the same partition.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.contiguity import contiguous_blocks
from benchmarks.layouts import parcel_grid
from geo.crs import to_metric


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two labelings group the items identically, whatever the labels."""
    pairs = pd.DataFrame({"a": pd.factorize(a)[0], "b": pd.factorize(b)[0]}).drop_duplicates()
    return bool(pairs["a"].is_unique and pairs["b"].is_unique)


def best_time(func, repeat: int):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of parcels")
    parser.add_argument("--tolerance", type=float, default=20.0, help="tolerance, metres")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; best is shown")
    parser.add_argument("--skip-libpysal", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    grid = parcel_grid(args.n, seed=args.seed)
    parcels = grid.parcels
    print(
        f"generated {len(parcels):,} parcels, {len(grid.trunk_roads)} trunk roads, "
        f"{len(np.unique(grid.expected_block)):,} expected blocks "
        f"in {time.perf_counter() - start:.2f} s"
    )

    # Warm both methods up (PROJ database, imports) so one-off costs are not timed.
    from libpysal.graph import Graph

    small = parcel_grid(200, seed=args.seed + 1)
    contiguous_blocks(small.parcels, tolerance_m=args.tolerance)
    Graph.build_fuzzy_contiguity(to_metric(small.parcels).geometry, buffer=args.tolerance / 2)

    ours_s, result = best_time(
        lambda: contiguous_blocks(parcels, tolerance_m=args.tolerance), args.repeat
    )
    ours = result.parcel_block.reindex(parcels["parcel_id"]).to_numpy()
    ok_expected = same_partition(ours, grid.expected_block)
    print(
        f"contiguous_blocks                 {ours_s:7.3f} s  "
        f"{result.summary['block_count']:,} blocks, m_eff {result.summary['m_eff_ha']:.1f} ha, "
        f"same as layout: {ok_expected}"
    )

    wide = 65.0
    barrier_s, with_barriers = best_time(
        lambda: contiguous_blocks(parcels, tolerance_m=wide, barriers=grid.trunk_roads),
        args.repeat,
    )
    barred = with_barriers.parcel_block.reindex(parcels["parcel_id"]).to_numpy()
    ok_barriers = same_partition(barred, grid.expected_block)
    print(
        f"contiguous_blocks {wide:.0f} m + barriers {barrier_s:7.3f} s  "
        f"{with_barriers.summary['block_count']:,} blocks, same as layout: {ok_barriers}"
    )

    ok_anchor = True
    if not args.skip_libpysal:
        metric = to_metric(parcels).reset_index(drop=True)

        def anchor() -> pd.Series:
            graph = Graph.build_fuzzy_contiguity(metric.geometry, buffer=args.tolerance / 2)
            return graph.component_labels

        anchor_s, labels = best_time(anchor, args.repeat)
        theirs = labels.reindex(metric.index).to_numpy()
        ok_anchor = same_partition(ours, theirs)
        print(
            f"libpysal fuzzy contiguity + comp. {anchor_s:7.3f} s  "
            f"{len(np.unique(theirs)):,} blocks, same partition as ours: {ok_anchor}"
        )
        print(f"ratio libpysal / ours: {anchor_s / ours_s:.1f}x")
    return 0 if ok_expected and ok_barriers and ok_anchor else 1


if __name__ == "__main__":
    raise SystemExit(main())
