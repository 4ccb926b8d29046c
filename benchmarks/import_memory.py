"""Memory of the server process around a large import, and after it is replaced.

Method: the 数据导入导出 page runs under Streamlit's AppTest in this process (the same code
path as a browser session, without the browser). The resident set size (``VmRSS`` of
``/proc/self/status``) is read after a garbage collection at four points: the page shown
with the demo data (before), a synthetic parcels GeoPackage of ``--n`` features read,
validated and confirmed, then the 总览, 容量 and 连片 pages shown with it (after
import), a small parcels file imported in its place
(after replacement), and the demo data restored (after demo). It prints each size and
the ratio of the size after replacement to the size before the import — what the import
left behind. Linux only (``/proc``).

Usage: ``python benchmarks/import_memory.py --n 300000``
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.capacity import synthetic_parcels
from geo.io import write_gpkg
from tests.app_harness import app

PAGE = "ui/data_page.py"
#: Pages shown after the large import, filling their caches with its payloads and results.
VISITED = ("ui/overview_page.py", "ui/capacity_page.py", "ui/contiguity_page.py")


def rss_mb() -> float:
    """Resident set size of this process, MB, after a full garbage collection."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def gpkg_bytes(n: int, seed: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parcels.gpkg"
        write_gpkg({"parcels": synthetic_parcels(n, seed=seed)}, path)
        return path.read_bytes()


def import_parcels(at, name: str, data: bytes) -> None:
    at.selectbox(key="import_kind").set_value("parcels")
    at.file_uploader[0].set_value((name, data, "application/geopackage+sqlite3")).run()
    next(b for b in at.button if b.label == "读取并校验").click().run()
    next(b for b in at.button if b.label == "设为当前图层").click().run()
    assert not at.exception, at.exception
    assert at.session_state["layers"].counts()["parcels"] > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="features of the large import")
    args = parser.parse_args()
    os.environ.setdefault("LANDPLAN_WORKSPACE", tempfile.mkdtemp(prefix="landplan-ws-"))
    big = gpkg_bytes(args.n, seed=0)
    small = gpkg_bytes(50, seed=1)
    with app(PAGE, timeout=1200) as (at, recorder):
        before = rss_mb()
        import_parcels(at, "big.gpkg", big)
        del big
        for page in VISITED:  # the planner looks at the new parcels on the map pages
            at.switch_page(page)
            at.run()
            assert not at.exception, (page, at.exception)
            recorder.maps.clear()  # the harness's stand-in for st_folium keeps maps;
            recorder.order.clear()  # the real component does not
        at.switch_page(PAGE)
        at.run()
        after_import = rss_mb()
        import_parcels(at, "small.gpkg", small)
        after_replacement = rss_mb()
        next(b for b in at.button if b.label == "恢复示意数据").click().run()
        after_demo = rss_mb()
    print(f"features imported: {args.n:,}")
    print(f"RSS before the import:          {before:8.0f} MB")
    print(f"RSS after the import:           {after_import:8.0f} MB")
    print(f"RSS after replacing it:         {after_replacement:8.0f} MB")
    print(f"RSS after going back to demo:   {after_demo:8.0f} MB")
    print(f"ratio after replacement/before: {after_replacement / before:8.2f}")


if __name__ == "__main__":
    main()
