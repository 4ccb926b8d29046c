"""Running the app under AppTest with the map component replaced by a recorder.

``st_folium`` renders in a browser only; inside AppTest it is an unknown element, so the
tests swap it for a function that keeps the folium map it was given. The browser tests in
tests/e2e drive the real component.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from streamlit.testing.v1 import AppTest

from ui.maps import DataLayer

APP = str(Path(__file__).resolve().parent.parent / "app.py")


class MapRecorder:
    """Stands in for st_folium: keeps every folium map a page hands over."""

    def __init__(self) -> None:
        self.maps: dict[str, object] = {}
        self.calls: list[dict] = []
        self.order: list[object] = []

    def __call__(self, fig, key=None, returned_objects=None, **kwargs):
        self.maps[key] = fig
        self.order.append(fig)
        self.calls.append({"key": key, "returned_objects": returned_objects, **kwargs})
        return {}

    def last(self):
        assert self.order, "the page drew no map"
        return self.order[-1]

    def data_layers(self, key: str) -> dict[str, DataLayer]:
        """The data layers of the map rendered under ``key``, by their display name."""
        return data_layers(self.maps[key])


def _children(element):
    for child in element._children.values():
        yield child
        yield from _children(child)


def data_layers(fig) -> dict[str, DataLayer]:
    """Every DataLayer of a folium map, by display name."""
    return {c.layer_name: c for c in _children(fig) if isinstance(c, DataLayer)}


def legend_html(fig) -> str:
    """The HTML of the map's legend boxes."""
    return "".join(c.html for c in _children(fig) if type(c).__name__ == "_Legend")


@contextmanager
def app(
    page: str | None = None,
    *,
    lang: str = "zh",
    timeout: float = 90,
    query: dict[str, str] | None = None,
):
    """Yield (AppTest, MapRecorder) after running ``page`` (a path like 'ui/data_page.py'),
    opened with the address parameters ``query``."""
    recorder = MapRecorder()
    with mock.patch("ui.common.st_folium", recorder):
        at = AppTest.from_file(APP, default_timeout=timeout)
        at.session_state["lang"] = lang
        for name, value in (query or {}).items():
            at.query_params[name] = value
        at.run()
        if page is not None:
            at.switch_page(page)
            at.run()
        yield at, recorder
