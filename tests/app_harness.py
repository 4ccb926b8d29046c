"""Running the app under AppTest with the map component replaced by a recorder.

``st_folium`` renders in a browser only; inside AppTest it is an unknown element, so the
tests swap it for a function that keeps the folium map it was given. The browser tests in
tests/e2e drive the real component.
"""

from __future__ import annotations

import re
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
        # Groups swapped in the living map join it, as the component adds them.
        for group in kwargs.get("feature_group_to_add") or ():
            group.add_to(fig)
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


# --------------------------------------------------------------------------- hostile text

#: Names that would fetch an outside image, make links, run script or format text if any
#: element rendered them as Markdown or HTML.
PAYLOADS = (
    "![x](http://example.invalid/x.png)",
    "[link](http://example.invalid/a)",
    "see http://example.invalid/b and www.example.invalid",
    "<img src=x onerror=alert(1)>",
    "**bold** :material/home: :red[red]",
    "$x^2$ # heading",
)
#: What must never appear in the Markdown source of an element (it would render): the
#: payloads' syntax without the backslash (or word joiner) that makes it literal.
RAW_MARKERS = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?<!\\)\]\(",
        r"(?<!\\)<img",
        r"(?<!\\)\*\*bold",
        r"(?<!\\)\$x",
        r"http://",
        r"www\.",
        r"(?<!\\):material",
        r"(?<!\\):red\[",
    )
)


def hostile(index: int) -> str:
    """A hostile name, numbered so names stay unique."""
    return f"{PAYLOADS[index % len(PAYLOADS)]} {index}"


def hostile_layers():
    """The demo layers with every name (boundary, parks, axis, parcels, firms, constraints)
    replaced by hostile text."""
    from layers.catalog import load_demo

    layers = load_demo()
    for kind in ("boundary", "parks", "corridor_axis", "parcels", "enterprises", "constraints"):
        gdf = layers.layer(kind)
        names = [hostile(i) for i in range(len(gdf))]
        layers = layers.with_layer(kind, gdf.assign(name=names), is_demo=False)
    return layers


def hostile_scenario(store, parcel_ids):
    """Save a scenario whose name, description, author and edit notes are hostile; it
    builds on a hostile base scenario. Returns the saved scenario."""
    from layers.scenario import new_scenario, set_attributes

    base = store.save(
        new_scenario(hostile(0), author=hostile(1), description=hostile(2)), expected_version=0
    )
    scenario = new_scenario(
        hostile(3), author=hostile(4), description=hostile(5), base_id=base.id
    ).with_edit(set_attributes(parcel_ids, author=hostile(6), note=hostile(7), highrise=True))
    return store.save(scenario, expected_version=0)


def markdown_texts(at) -> list[str]:
    """The Markdown source of every element that renders Markdown: text elements, alerts,
    headings, captions, and the labels of metrics, expanders, buttons, checkboxes, tabs
    and radio options."""
    texts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "title"):
        texts += [e.value for e in getattr(at, kind)]
    for kind in ("header", "subheader"):
        texts += [e.value for e in at.get(kind)]
    for kind in ("metric", "expander", "button", "checkbox", "tabs", "toggle"):
        texts += [e.label for e in at.get(kind) if hasattr(e, "label")]
    for radio in at.radio:
        texts += [radio.label, *radio.options]
    return texts


def plain(markdown: str) -> str:
    """The text a reader sees of Markdown escaped by ``md_escape``: backslash escapes
    resolved, word joiners dropped."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")
