"""Hostile names in a real browser: layers and scenarios named with Markdown images,
links, bare addresses, HTML and formatting are shown as text, and nothing is fetched from
outside the machine.

A server of its own runs on a workspace holding the hostile layers as a kept import and a
hostile scenario; the pages are opened with them named in the address, as a shared link
would. Checked: no request leaves the loopback address, no dialog opens (``onerror``
script), no link or image points at the hostile addresses, and the names are visible
literally (``page.get_by_text``; a bare address carries an invisible word joiner).
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from benchmarks.browser import start_app, wait_for_features
from layers.store import GpkgScenarioStore
from tests.app_harness import hostile, hostile_layers, hostile_scenario
from tests.e2e.conftest import SCREENSHOTS, RequestLog, screenshot
from tests.e2e.test_browser import no_exception

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def hostile_server(browser_required, tmp_path_factory):
    """A server on a workspace with the hostile import and scenario; yields (URL, import
    id, scenario id)."""
    workspace = tmp_path_factory.mktemp("hostile_workspace")
    saved_env = os.environ.get("LANDPLAN_WORKSPACE")
    os.environ["LANDPLAN_WORKSPACE"] = str(workspace)
    try:
        from ui.imports import save_imported_layers

        layers = hostile_layers()
        import_id = save_imported_layers(layers)
        store = GpkgScenarioStore(workspace / "scenarios.gpkg")
        scenario = hostile_scenario(store, layers.parcels.parcel_id.head(3).tolist())
    finally:
        if saved_env is None:
            del os.environ["LANDPLAN_WORKSPACE"]
        else:
            os.environ["LANDPLAN_WORKSPACE"] = saved_env
    env = dict(os.environ, LANDPLAN_WORKSPACE=str(workspace), PYTHONUNBUFFERED="1")
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115
    try:
        proc, url = start_app(env, log)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url, import_id, scenario.id
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture
def hostile_page(browser, hostile_server):
    context = browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    requests, dialogs = RequestLog(), []
    context.on("request", lambda req: requests.urls.append(req.url))
    pg = context.new_page()
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.requests, pg.dialogs = requests, dialogs
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield pg, hostile_server
    context.close()


def nothing_rendered(page) -> None:
    for selector in ('a[href*="example.invalid"]', 'img[src*="example.invalid"]', 'img[src="x"]'):
        assert page.locator(selector).count() == 0, selector
    for frame in page.frames:  # the maps' iframes: tooltips and legends
        assert frame.locator('img[src="x"], img[src*="example.invalid"]').count() == 0
    assert page.dialogs == []
    assert page.requests.outside() == []


def joined(text: str) -> re.Pattern:
    """``text`` as shown: a word joiner may follow "http:"/"www"."""
    return re.compile(
        re.escape(text).replace(r"http:", "http:\u2060?").replace("www", "www\u2060?")
    )


def test_hostile_scenario_and_layer_names_show_as_text(hostile_page):
    page, (url, import_id, scenario_id) = hostile_page
    page.goto(f"{url}/scenarios?data={import_id}&scenario={scenario_id}")
    page.get_by_text(hostile(3), exact=False).first.wait_for(timeout=90000)  # <img …> name
    wait_for_features(page, 1)
    page.wait_for_timeout(1500)
    no_exception(page)
    assert page.get_by_text(hostile(5)).first.is_visible()  # "$x^2$ # heading" description
    # "[link](http://…)" note; the same text may also sit in a tab not shown, so any one visible
    notes = page.get_by_text(joined(hostile(7)))
    assert any(notes.nth(i).is_visible() for i in range(notes.count()))
    nothing_rendered(page)
    screenshot(page, "10_hostile_scenario")

    page.goto(f"{url}/contiguity?data={import_id}")
    page.get_by_role("heading", name="连片").first.wait_for(timeout=90000)
    wait_for_features(page, 2)
    page.wait_for_timeout(1500)
    no_exception(page)
    km2 = page.get_by_text(re.compile(r"主要位于"))
    assert km2.count() >= 1
    assert any(
        re.search(r"\d+$", text)
        and ("](" in text or "<img" in text or "$x" in text or "**" in text or "http" in text)
        for text in km2.all_inner_texts()
    ), km2.all_inner_texts()
    nothing_rendered(page)
    screenshot(page, "11_hostile_contiguity")

    page.goto(f"{url}/?data={import_id}")  # the default page lives at the root
    wait_for_features(page, 3)
    page.wait_for_timeout(1500)
    no_exception(page)
    nothing_rendered(page)
    screenshot(page, "12_hostile_overview")
