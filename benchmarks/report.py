"""Time the two-scenario 方案报告 on the demo (DESIGN §8: ≤ 10 s and ≤ 10 MB).

The baseline is compared with a scenario marking every low-efficiency parcel of 高新南 for
工业上楼 (as a planner would). The indicators of both sides are computed first (the page has
them cached already); the clock then covers what the report button does: the maps, the
HTML and the PDF. Printed: wall seconds (best and median of ``--repeats``), this process's
CPU seconds and the machine's load average (on a shared machine wall time includes waiting
for a CPU), and the PDF and HTML sizes, each with its ratio to the target.

Usage: ``python benchmarks/report.py [--repeats 3]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.indicators import scenario_indicators  # noqa: E402
from analysis.standards import load_standards  # noqa: E402
from layers.catalog import load_demo  # noqa: E402
from layers.scenario import apply, new_scenario, set_attributes  # noqa: E402
from report import ReportSide, scenario_report  # noqa: E402

TARGET_S = 10.0
TARGET_MB = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    layers = load_demo()
    std = load_standards()
    parcels = layers.parcels
    ids = parcels.loc[
        (parcels["park_id"] == "gaoxin_south") & (parcels["status"] == "low_efficiency"),
        "parcel_id",
    ].tolist()
    scenario = new_scenario("高新南工业上楼", author="规划").with_edit(
        set_attributes(ids, highrise=True, author="规划")
    )
    applied = apply(scenario, layers)
    sides = [
        ReportSide("现状", layers, scenario_indicators(layers, standards=std)),
        ReportSide(
            scenario.name,
            applied.layers,
            scenario_indicators(applied.layers, standards=std),
            scenario,
            applied.changes,
        ),
    ]
    times, cpu = [], []
    for _ in range(max(args.repeats, 1)):
        t0, c0 = time.perf_counter(), time.process_time()
        report = scenario_report(layers, sides, std, version="benchmark")
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    pdf_mb = len(report.pdf) / 1e6
    html_mb = len(report.html.encode("utf-8")) / 1e6
    best, median = min(times), statistics.median(times)
    print(f"two-scenario report of the demo ({len(parcels)} parcels, {len(ids)} marked)")
    print(
        f"time   best {best:6.2f} s  median {median:6.2f} s  target {TARGET_S:.0f} s  "
        f"median/target {median / TARGET_S:.2f}"
    )
    print(
        f"CPU    best {min(cpu):6.2f} s  (this process; wall time above includes waiting for "
        f"the CPU, load average {os.getloadavg()[0]:.1f})"
    )
    print(f"PDF    {pdf_mb:6.2f} MB  target {TARGET_MB:.0f} MB  ratio {pdf_mb / TARGET_MB:.2f}")
    print(f"HTML   {html_mb:6.2f} MB  target {TARGET_MB:.0f} MB  ratio {html_mb / TARGET_MB:.2f}")


if __name__ == "__main__":
    main()
