"""工业上楼 in 3D, in a real browser: the deck.gl canvas draws the envelopes, a building
shows its tooltip on hover, and no request leaves the machine (no basemap is fetched).

Chromium runs WebGL in software here (SwiftShader), so this module launches its own
browser with the flags that allow it; the app server is the shared one.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.conftest import RequestLog, record_timing, screenshot
from tests.e2e.test_browser import no_exception

pytestmark = pytest.mark.e2e

DECK = '[data-testid="stDeckGlJsonChart"]'
#: Software WebGL for deck.gl in headless Chromium (the shared flags disable the GPU path).
WEBGL_ARGS = [a for a in CHROMIUM_ARGS if a != "--disable-gpu"] + [
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="module")
def webgl_browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=WEBGL_ARGS)
    yield b
    b.close()


@pytest.fixture
def deck_page(webgl_browser, app_server):
    context = webgl_browser.new_context(viewport={"width": 1500, "height": 1000}, locale="zh-CN")
    requests = RequestLog()
    context.on("request", lambda req: requests.urls.append(req.url))
    pg = context.new_page()
    pg.requests = requests
    pg.base_url = app_server
    yield pg
    context.close()


def canvas_pixels(canvas) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("L"), dtype=float)


def wait_for_drawing(canvas, timeout_s: float = 120.0) -> np.ndarray:
    """Grey pixels of the canvas once it shows more than a flat background."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        pixels = canvas_pixels(canvas)
        if pixels.std() > 8.0 and (pixels < 200).mean() > 0.005:
            return pixels
        time.sleep(0.25)
    raise AssertionError("the 3D canvas stayed blank")


def hover_until_tooltip(page, canvas) -> str:
    box = canvas.bounding_box()
    tooltip = page.locator(".deck-tooltip")
    for fy in np.linspace(0.3, 0.85, 12):
        for fx in np.linspace(0.2, 0.8, 16):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            page.wait_for_timeout(60)
            if tooltip.count() and tooltip.first.is_visible():
                text = tooltip.first.inner_text()
                if "地块" in text:
                    return text
    raise AssertionError("no tooltip appeared over the buildings")


def test_massing_view_draws_offline_with_tooltips(deck_page):
    page = deck_page
    page.goto(page.base_url + "/capacity")
    loaded = time.time()
    deck = page.locator(DECK).first
    deck.wait_for(timeout=120_000)
    deck.scroll_into_view_if_needed()
    canvas = deck.locator("canvas").first
    canvas.wait_for(timeout=60_000)
    wait_for_drawing(canvas)
    record_timing("3D massing drawn after the capacity page loaded", time.time() - loaded)
    no_exception(page)

    # The 高新南 camera preset, then a building's tooltip.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="视角").first.click()
    page.get_by_role("option", name="高新南先进制造园区").click()
    page.wait_for_timeout(1500)
    deck = page.locator(DECK).first
    deck.scroll_into_view_if_needed()
    canvas = deck.locator("canvas").first
    pixels = wait_for_drawing(canvas)
    # Bands drawn in colour: the orange ground/low and blue upper bands, not only grey.
    rgb = np.asarray(Image.open(io.BytesIO(canvas.screenshot())).convert("RGB"), dtype=int)
    coloured = (np.abs(rgb[..., 0] - rgb[..., 2]) > 60).mean()
    assert coloured > 0.002, coloured
    assert pixels.std() > 8.0
    text = hover_until_tooltip(page, canvas)
    assert "层数" in text and "高度" in text and "万 m²" in text
    screenshot(page, "massing_3d_gaoxin_south")

    assert page.requests.urls, "no request was recorded"
    assert page.requests.outside() == [], page.requests.outside()
