"""Browser tests: a real `streamlit run` on a free loopback port, driven by Chromium.

Chromium comes from Debian (`/usr/bin/chromium`); set REQUIRE_BROWSER=1 (CI does) to make a
missing browser a failure instead of a skip. Screenshots go to ``test-artifacts/e2e``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, LOCAL_HOSTS, start_app

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "e2e"


def _browser_available() -> bool:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        return False
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def browser_required():
    if not _browser_available():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} but REQUIRE_BROWSER=1")
        pytest.skip("Chromium is not installed here (set REQUIRE_BROWSER=1 to fail instead)")


@pytest.fixture(scope="session")
def app_server(browser_required, tmp_path_factory):
    """Start the real app; yields its base URL."""
    (SCREENSHOTS / "timings.txt").unlink(missing_ok=True)
    workspace = tmp_path_factory.mktemp("workspace")
    env = dict(os.environ, LANDPLAN_WORKSPACE=str(workspace), PYTHONUNBUFFERED="1")
    log = open(tmp_path_factory.mktemp("logs") / "streamlit.log", "w")  # noqa: SIM115
    try:
        proc, url = start_app(env, log)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    yield url
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def playwright_driver(browser_required):
    """The one Playwright driver of the session (a second sync driver cannot start while
    one runs), from which every browser of the tests is launched."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()


class RequestLog:
    """Every URL the page (and its iframes) asked for."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def outside(self) -> list[str]:
        bad = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about", "chrome-extension"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                bad.append(url)
        return bad


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(
        viewport={"width": 1500, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    requests = RequestLog()
    context.on("request", lambda req: requests.urls.append(req.url))
    pg = context.new_page()
    pg.requests = requests
    pg.base_url = app_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield pg
    context.close()


def record_timing(label: str, seconds: float) -> None:
    """Print a measured page timing and keep it in test-artifacts/e2e/timings.txt."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    line = f"{label}: {seconds:.2f} s"
    print(line)
    with open(SCREENSHOTS / "timings.txt", "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def screenshot(page, name: str) -> Path:
    """Save a screenshot of the whole page: the viewport is made tall for the shot, because
    Streamlit scrolls inside its own container and a full-page capture alone stops at the
    window's height."""
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 2400})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def choose_option(page, box, option: str, *, type_text: bool = False) -> None:
    """Pick ``option`` in a Streamlit selectbox or multiselect ``box`` (typing it first when
    ``type_text``), again when a rerun of the page (a map drawing) closes the list under the
    pointer; fails when the box never shows the option as chosen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(6):
        box.click()
        if type_text:
            box.locator("input").fill(option)
        try:
            page.get_by_role("option", name=option).first.click(timeout=5000)
        except PlaywrightTimeoutError:
            page.keyboard.press("Escape")
            continue
        page.keyboard.press("Escape")
        shown = box.inner_text() + " ".join(
            box.locator("input").evaluate_all("els => els.map(e => e.value)")
        )
        if option in shown:
            return
    raise AssertionError(f"could not choose {option}; the box shows {box.inner_text()!r}")


def click_map(frame, fx: float, fy: float) -> None:
    """Click the Leaflet map in ``frame`` at fractions ``fx``, ``fy`` of its width, height."""
    box = frame.locator(".leaflet-container").bounding_box()
    frame.page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])


def click_until(button, done, what: str, tries: int = 3, wait_s: float = 20.0):
    """Click ``button`` until ``done()`` holds, waiting ``wait_s`` after each click. A click
    that lands while a rerun replaces the button is lost with the element it hit, so once
    the button is back (one, enabled) and nothing happened, it is clicked again."""
    for _ in range(tries):
        wait_for(lambda: button.count() == 1 and button.is_enabled(), what=f"{what}: the button")
        button.click()
        deadline = time.time() + wait_s
        while time.time() < deadline:
            if done():
                return
            time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what} after {tries} clicks")


def wait_for(predicate, timeout_s: float = 60.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something true, and return that; fail naming
    ``what`` after ``timeout_s``."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
