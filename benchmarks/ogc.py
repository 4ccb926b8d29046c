"""Time the OGC API – Features endpoint on a large parcel layer (DESIGN §8: a page of 1,000
parcels out of 100,000 within 200 ms of server time; a bbox query of one park within 300 ms)
and report the server's peak memory.

The dataset is the demo with its parcels replaced by a generated grid over the district
(:func:`benchmarks.app_map.grid_dataset`), so a park's bbox holds thousands of parcels. One server is started as ``make run`` starts it
(``python -m ui.serve`` with ``LANDPLAN_DATA``) and a token is issued in a temporary workspace.
Server time is the endpoint's own ``Server-Timing`` figure (from the request reaching the
handler to the response body being ready); the wall time seen by the client is printed
beside it. The first request of each kind (which builds the layer's spatial index) and the
median of the later ones are printed with their ratio to the target. Peak RSS is the server
process's ``VmHWM`` after all requests.

Usage: ``python benchmarks/ogc.py --parcels 100000 [--repeat 10]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.app_map import grid_dataset  # noqa: E402
from benchmarks.browser import start_app  # noqa: E402
from layers.catalog import load_demo  # noqa: E402
from ogc import TOKEN_FILE_NAME, TokenStore  # noqa: E402
from ui.cache import DATA_ENV, DEM_ENV  # noqa: E402

PAGE_TARGET_MS = 200.0
BBOX_TARGET_MS = 300.0


def timed_get(url: str, token: str) -> tuple[float, float, int, int]:
    """Server ms (Server-Timing), client wall ms, body bytes and numberMatched of one GET."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        body = response.read()
        timing = response.headers["Server-Timing"]
    wall_ms = (time.perf_counter() - start) * 1e3
    matched = json.loads(body)["numberMatched"]
    return float(timing.split("dur=")[1]), wall_ms, len(body), matched


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    parks = load_demo().parks
    park = parks[parks["kind"] == "park"].iloc[0]
    bbox = ",".join(f"{v:.6f}" for v in park.geometry.bounds)

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        gpkg, n = grid_dataset(args.parcels, Path(tmp))
        print(f"dataset: {n} parcels written in {time.perf_counter() - t0:.1f} s")
        workspace = Path(tmp) / "workspace"
        workspace.mkdir()
        token = TokenStore(workspace / TOKEN_FILE_NAME).create("benchmark")
        env = {k: v for k, v in os.environ.items() if k not in (DATA_ENV, DEM_ENV)}
        env.update({DATA_ENV: str(gpkg), "LANDPLAN_WORKSPACE": str(workspace)})
        proc, url = start_app(env, subprocess.DEVNULL, timeout_s=600)
        try:
            base = f"{url}/ogc/collections/parcels/items"
            cases = [
                ("limit=1000", f"{base}?limit=1000", PAGE_TARGET_MS),
                ("limit=1000&offset=50000", f"{base}?limit=1000&offset=50000", PAGE_TARGET_MS),
                (f"bbox of {park.park_id}", f"{base}?bbox={bbox}&limit=1000", BBOX_TARGET_MS),
                (
                    f"bbox of {park.park_id}, built",
                    f"{base}?bbox={bbox}&status=built&limit=1000",
                    BBOX_TARGET_MS,
                ),
            ]
            rows = []
            for label, case_url, target in cases:
                first = timed_get(case_url, token)
                later = [timed_get(case_url, token) for _ in range(args.repeat)]
                rows.append((label, first, later, target))
            rss = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    print(f"/ogc/collections/parcels/items on {n} parcels; ms of server time (Server-Timing),")
    print(f"client wall time beside it; median of {args.repeat} later requests")
    header = [
        "first server",
        "first wall",
        "later server",
        "later wall",
        "target",
        "ratio",
        "KB",
        "matched",
    ]
    print(f"{'':34}" + "".join(f"{h:>14}" for h in header))
    for label, first, later, target in rows:
        server = statistics.median(v[0] for v in later)
        wall = statistics.median(v[1] for v in later)
        cells = [first[0], first[1], server, wall, target]
        print(
            f"{label:34}"
            + "".join(f"{v:>12.1f}ms" for v in cells)
            + f"{server / target:>14.2f}{later[0][2] / 1024:>14.0f}{later[0][3]:>14,}"
        )
    print(f"server peak RSS (VmHWM) with {n} parcels loaded: {rss:.0f} MB")


if __name__ == "__main__":
    main()
