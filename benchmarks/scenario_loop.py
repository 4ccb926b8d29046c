"""Time the 情景规划 editing loop in Chromium: a click selection, an applied attribute edit
and an undo, each from the user's action to the map showing its result, on the demo and on
a 20,000-parcel dataset (targets: 1.0 s on the demo, 2.0 s on 20k parcels).

Each dataset gets its own server started as ``make run`` starts it (``python -m ui.serve``,
the 20k set through ``LANDPLAN_DATA``, built as ``benchmarks/app_map.py`` builds it) and an
empty workspace. Chromium creates a scenario, zooms the map to a 高新南 parcel with the
search box, then repeats ``--rounds`` times:

- click: a click in the map's centre, until the selection layer holds one parcel;
- apply: 工业上楼 = 是 applied to the selection, until the changes layer holds one parcel;
- undo: 撤销上一步, until the changes layer is gone.

The map's layers are read from inside its frame (``benchmarks.browser.map_counts``).
Printed: the median of each step and its ratio to the target, and whether the map frame
was rebuilt (a rebuilt map means a new iframe; the swapped layers keep the same one).

Usage: ``python benchmarks/scenario_loop.py [--parcels 20000] [--rounds 3]``
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.app_map import write_dataset  # noqa: E402
from benchmarks.browser import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    map_counts,
    map_frame,
    map_frames,
    start_app,
)
from layers.catalog import DEMO_DEM  # noqa: E402
from ui.cache import DATA_ENV, DEM_ENV  # noqa: E402

DEMO_TARGET_S = 1.0
LARGE_TARGET_S = 2.0
STEPS = ("click", "apply", "undo")


def _wait(predicate, timeout_s: float = 60.0) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit("the map did not show the step's result within the time allowed")


def _layer_sizes(page) -> list[int]:
    return sorted(map_counts(page).values())


def open_scenario(page, url: str, search: str) -> None:
    """Create a scenario and frame ``search`` (a parcel name) with the search box."""
    page.goto(f"{url}/scenarios")
    page.get_by_role("heading", name="情景规划").first.wait_for(timeout=120000)
    page.get_by_role("button", name="新建 / 导入情景").click()
    page.get_by_label("名称").first.fill(f"计时情景 {time.time():.0f}")
    page.get_by_role("button", name="创建").click()
    page.get_by_text("已保存 · 版本 1").wait_for(timeout=120000)
    page.keyboard.press("Escape")
    box = page.get_by_label("查找地块或企业（编号或名称）")
    box.fill(search)
    box.press("Enter")
    page.get_by_text("匹配结果（1 个）").wait_for(timeout=60000)
    _wait(lambda: map_frames(page) and map_frame(page).evaluate("() => window.map.getZoom()") >= 15)
    page.wait_for_timeout(1500)


def one_round(page) -> dict[str, float]:
    """Times of a click, an applied edit and an undo; the map frame must stay the same."""
    frame = map_frame(page)
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.scroll_into_view_if_needed()
    box = frame.locator(".leaflet-container").bounding_box()
    times: dict[str, float] = {}
    before = len([n for n in _layer_sizes(page) if n == 1])  # the search result
    start = time.perf_counter()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    _wait(lambda: len([n for n in _layer_sizes(page) if n == 1]) == before + 1)
    times["click"] = time.perf_counter() - start
    page.get_by_text("已选 1 个地块").wait_for(timeout=30000)

    form = page.locator('[data-testid="stForm"]').filter(has_text="修改所选地块的属性")
    field = form.locator('[data-testid="stSelectbox"]').filter(has_text="工业上楼")
    field.locator("input").click()
    page.keyboard.type("是")
    page.keyboard.press("Enter")
    start = time.perf_counter()
    form.get_by_role("button", name="应用到所选地块").click()
    _wait(lambda: len([n for n in _layer_sizes(page) if n == 1]) == before + 2)
    times["apply"] = time.perf_counter() - start

    page.get_by_role("button", name="撤销上一步").wait_for(timeout=30000)
    start = time.perf_counter()
    page.get_by_role("button", name="撤销上一步").click()
    _wait(lambda: len([n for n in _layer_sizes(page) if n == 1]) == before + 1)
    times["undo"] = time.perf_counter() - start
    # clear the selection for the next round (the next click selects again)
    page.get_by_role("button", name="清除选择").click()
    _wait(lambda: len([n for n in _layer_sizes(page) if n == 1]) == before)
    times["same map frame"] = float(map_frames(page)[0] == frame)
    return times


def measure(browser, env: dict, rounds: int, search: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as workspace:
        env = dict(env, LANDPLAN_WORKSPACE=workspace)
        try:
            proc, url = start_app(env, subprocess.DEVNULL, timeout_s=180)
        except RuntimeError as exc:
            raise SystemExit(str(exc)) from exc
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1000})
            page = context.new_page()
            if os.environ.get("LOOP_DEBUG"):
                page.on("console", lambda msg: print("console:", msg.type, msg.text))
            open_scenario(page, url, search)
            results = [one_round(page) for _ in range(rounds)]
            context.close()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    medians = {s: statistics.median(r[s] for r in results) for s in STEPS}
    medians["same map frame"] = min(r["same map frame"] for r in results)
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    base_env = {k: v for k, v in os.environ.items() if k not in (DATA_ENV, DEM_ENV)}
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        demo = measure(browser, base_env, args.rounds, "高新南整备片区-001")
        rows.append(("demo", demo, DEMO_TARGET_S))
        if args.parcels:
            gpkg, n = write_dataset(args.parcels, Path(tmp))
            large_env = dict(base_env, **{DATA_ENV: str(gpkg), DEM_ENV: str(DEMO_DEM)})
            large = measure(browser, large_env, args.rounds, "PS02572-1")
            rows.append((f"{n} parcels", large, LARGE_TARGET_S))
        browser.close()
    print("情景规划 editing loop, seconds from the action to the map showing its result")
    print(f"(median of {args.rounds} rounds)")
    print(f"{'':16}" + "".join(f"{s:>10}{'/target':>9}" for s in STEPS) + f"{'target':>9}  map")
    for label, row, target in rows:
        cells = "".join(f"{row[s]:>9.2f}s{row[s] / target:>9.2f}" for s in STEPS)
        frame = "kept" if row["same map frame"] else "rebuilt"
        print(f"{label:16}{cells}{target:>8.1f}s  {frame}")


if __name__ == "__main__":
    main()
