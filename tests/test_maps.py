"""The map builder (ui.maps): text from users' files arrives in the browser as text, each
coded value has one colour shared by its features and its legend, and layers are added
(and so drawn) in the documented order."""

from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest

from analysis.colocation import COLOCATED, ISOLATED, NOT_SIGNIFICANT
from analysis.contiguity import SIZE_CLASS
from layers.catalog import load_demo
from layers.scenario import CHANGE_LABELS
from layers.schema import CLUSTER, CONSTRAINT_KIND, LAND_USE, STATUS
from tests.app_harness import app, data_layers, legend_html
from ui import maps

ROOT = Path(__file__).resolve().parent.parent
DEMO = load_demo()
HOSTILE = {
    "script": "<script>alert('x')</script>",
    "img": '<img src=x onerror="alert(1)">',
    "markdown": "![x](http://evil.example/x.png) **粗体** [链接](http://evil.example)",
}


def _strings(payload: dict) -> list[str]:
    return [v for f in payload["features"] for v in f["properties"].values() if isinstance(v, str)]


@pytest.fixture(scope="module")
def hostile_layers():
    """Demo parcels, firms and parks renamed with HTML and Markdown."""
    names = list(HOSTILE.values())
    parcels = DEMO.parcels.iloc[:3].copy()
    parcels["name"] = names
    parks = DEMO.parks.copy()
    parks["name"] = [names[i % 3] for i in range(len(parks))]
    parcels["park_id"] = parks.park_id.iloc[0]
    firms = DEMO.enterprises.iloc[:3].copy()
    firms["name"] = names
    firms["park_id"] = parks.park_id.iloc[0]
    return parcels, firms, parks


def test_the_map_builder_imports_without_streamlit():
    code = (
        "import sys, ui.maps, ui.imports, ui.static_cache, ui.i18n; "
        "print('streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False"]


def test_every_public_name_is_exported():
    assert sorted(maps.__all__) == sorted(set(maps.__all__))
    for name in maps.__all__:
        assert hasattr(maps, name), name


# --------------------------------------------------------------------------- escaping


def test_names_with_html_and_markdown_reach_tooltips_escaped(hostile_layers):
    parcels, firms, parks = hostile_layers
    payloads = {
        "parcels": maps.parcels_payload(parcels, parks),
        "firms": maps.enterprises_payload(firms, parks),
        "context": maps.context_payloads(None, parks, None, None)[1],
    }
    for what, payload in payloads.items():
        texts = _strings(payload)
        assert texts, what
        assert not any("<" in s or ">" in s or '"' in s for s in texts), what
    props = [f["properties"] for f in payloads["parcels"]["features"]]
    assert [p["name"] for p in props] == [html.escape(n) for n in HOSTILE.values()]
    assert {p["park_name"] for p in props} == {html.escape(parks.name.iloc[0])}
    # Markdown is not HTML: it stays as typed (a tooltip never renders Markdown).
    assert props[2]["name"] == HOSTILE["markdown"]
    firm_names = [f["properties"]["name"] for f in payloads["firms"]["features"]]
    assert firm_names == [html.escape(n) for n in HOSTILE.values()]


def test_escaped_text_stays_escaped_in_the_page(hostile_layers):
    parcels, _, parks = hostile_layers
    m = maps.base_map(tuple(parcels.total_bounds))
    boundary, park_payload, axis, constraints = maps.context_payloads(
        None, parks, None, DEMO.constraints
    )
    maps.add_constraints(m, constraints)
    maps.add_context(m, boundary, park_payload, axis)
    maps.add_geojson(
        m,
        maps.parcels_payload(parcels, parks),
        HOSTILE["img"],
        tooltip_fields=[("name", HOSTILE["script"]), ("park_name", "园区")],
    )
    maps.add_legends(m, [(HOSTILE["script"], [("#ffffff", HOSTILE["img"])])])
    page = m.get_root().render()
    for text in (HOSTILE["script"], HOSTILE["img"], "<img src=x"):
        assert text not in page
    assert html.escape(HOSTILE["img"]) in legend_html(m)
    [layer] = data_layers(m).values()
    assert layer.layer_name == html.escape(HOSTILE["img"])
    assert json.loads(layer.tooltip_json)[0] == ["name", html.escape(HOSTILE["script"])]


def test_block_and_change_payloads_escape_their_text(hostile_layers):
    _, _, parks = hostile_layers
    blocks = gpd.GeoDataFrame(
        {
            "block_id": [1],
            "parcel_count": [3],
            "area_ha": [12.0],
            "compactness": [0.5],
            "size_class": ["large"],
            "park_id": [parks.park_id.iloc[0]],
        },
        geometry=[DEMO.parcels.geometry.iloc[0]],
        crs=DEMO.parcels.crs,
    )
    [block] = maps.blocks_payload(blocks, parks)["features"]
    assert block["properties"]["park_name"] == html.escape(parks.name.iloc[0])
    changes = DEMO.parcels.iloc[:1][["parcel_id", "geometry"]].assign(change="added")
    changes["parcel_id"] = HOSTILE["script"]
    [change] = maps.changes_payload(changes)["features"]
    assert change["properties"]["parcel_id"] == html.escape(HOSTILE["script"])


# --------------------------------------------------------------------------- colours


@pytest.mark.parametrize(
    ("codes", "palette"),
    [
        (STATUS, maps.STATUS_COLORS),
        (LAND_USE, maps.LAND_USE_COLORS),
        (CLUSTER, maps.CLUSTER_COLORS),
        (SIZE_CLASS, maps.SIZE_CLASS_COLORS),
    ],
)
def test_every_code_has_its_own_colour(codes, palette):
    assert set(palette) == set(codes.codes)
    assert len(set(palette.values())) == len(palette)
    legend = maps.code_legend(codes, palette, "en")
    assert legend == [(palette[c], codes.label(c, "en")) for c in codes.codes]


def test_other_palettes_cover_their_codes():
    assert set(CONSTRAINT_KIND.codes) <= set(maps.CONSTRAINT_STYLES)
    assert set(maps.CHANGE_COLORS) == set(CHANGE_LABELS)
    assert set(maps.LOCAL_TYPE_COLORS) == set(maps.LOCAL_TYPE_LABELS)
    assert set(maps.LOCAL_TYPE_COLORS) == {COLOCATED, ISOLATED, NOT_SIGNIFICANT}
    assert maps.B_POINT_COLOR not in maps.LOCAL_TYPE_COLORS.values()


def _legend_colour(legend: list[tuple[str, str]]) -> dict[str, str]:
    return {label: color for color, label in legend}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_parcel_and_firm_colours_match_their_legends(lang):
    for color_by, codes, palette, label in (
        ("status", STATUS, maps.STATUS_COLORS, "status_label"),
        ("land_use", LAND_USE, maps.LAND_USE_COLORS, "land_use_label"),
    ):
        payload = maps.parcels_payload(DEMO.parcels, DEMO.parks, color_by=color_by, lang=lang)
        legend = _legend_colour(maps.code_legend(codes, palette, lang))
        features = payload["features"]
        assert len({f["properties"]["_color"] for f in features}) > 1
        for f in features:
            assert f["properties"]["_color"] == legend[f["properties"][label]]
    firms = maps.enterprises_payload(DEMO.enterprises, DEMO.parks, lang=lang)
    legend = _legend_colour(maps.code_legend(CLUSTER, maps.CLUSTER_COLORS, lang))
    for f in firms["features"]:
        assert f["properties"]["_color"] == legend[f["properties"]["cluster_label"]]


def test_result_colours_match_their_legends():
    changes = DEMO.parcels.iloc[:3][["parcel_id", "geometry"]].assign(
        change=["added", "removed", "modified"]
    )
    legend = _legend_colour(maps.pair_legend(CHANGE_LABELS, maps.CHANGE_COLORS, "zh"))
    for f in maps.changes_payload(changes)["features"]:
        assert f["properties"]["_color"] == legend[f["properties"]["change_label"]]
    local = DEMO.enterprises.iloc[:4][["geometry"]].assign(
        lclq=[2.0, 0.2, 1.0, 1.0],
        p_value=[0.01, 0.01, 0.5, np.nan],
        colocation_type=[COLOCATED, ISOLATED, NOT_SIGNIFICANT, None],
    )
    a_payload, _ = maps.local_colocation_payloads(local, DEMO.enterprises, "car", "chip")
    legend = _legend_colour(maps.pair_legend(maps.LOCAL_TYPE_LABELS, maps.LOCAL_TYPE_COLORS))
    colours = [f["properties"]["_color"] for f in a_payload["features"]]
    types = [f["properties"]["type_label"] for f in a_payload["features"]]
    assert colours[:3] == [legend[t] for t in types[:3]]
    assert colours[3] == maps.UNTESTED_COLOR


def test_binned_colours_match_the_bins_legend():
    values = np.array([0.0, np.nan, 50.0, 1_000.0, 20_000.0, 90_000.0, 400_000.0, 2e6])
    bins = maps.nice_bins(values)
    colours = maps.value_colors(values, bins)
    legend = maps.bins_legend(bins, none_label="none")
    assert legend[0] == (maps.NO_VALUE_COLOR, "none")
    assert colours[0] == colours[1] == maps.NO_VALUE_COLOR
    for value, colour in zip(values[2:], colours[2:], strict=True):
        i = int(np.searchsorted(bins, value, side="right")) - 1  # the bin starting at bins[i]
        assert colour == legend[1 + i][0], value


# --------------------------------------------------------------------------- layer order


def _layer_names(fig: folium.Map) -> list[str]:
    return [c.layer_name for c in fig._children.values() if isinstance(c, folium.map.Layer)]


def _assert_in_order(names: list[str], expected: list[str]) -> None:
    positions = [names.index(n) for n in expected]
    assert positions == sorted(positions), names


def test_overview_layers_follow_the_draw_order():
    with app() as (at, recorder):
        assert not at.exception
        names = _layer_names(recorder.maps["overview_map"])
    roles = ["hillshade", "constraints", "boundary", "parks", "axis"]
    expected = [maps.tr(k, "zh") for k in [*roles, "parcels", "enterprises", "anchors"]]
    _assert_in_order(names, expected)
    assert maps.DRAW_ORDER.index("parks") < maps.DRAW_ORDER.index("parcels")
    assert maps.DRAW_ORDER.index("parcels") < maps.DRAW_ORDER.index("enterprises")
    assert maps.DRAW_ORDER[-2:] == ("changes", "selection")


def test_scenario_changes_and_selection_are_drawn_on_top():
    ids = DEMO.parcels.parcel_id.iloc[:3].tolist()
    with app("ui/scenario_page.py") as (at, recorder):
        at.text_input(key="scenario_new_name").input("顺序")
        next(b for b in at.button if b.label == "创建").click().run()
        at.session_state["scenario_selection"] = ids
        at.run()
        at.selectbox(key="scenario_status").set_value("reserve")
        next(b for b in at.button if b.label == "应用到所选地块").click().run()
        at.session_state["scenario_selection"] = ids
        at.run()
        assert not at.exception
        names = _layer_names(recorder.maps["scenario_map"])
    _assert_in_order(names, [maps.tr("parks", "zh"), "情景地块", "变化", "已选地块"])
    assert names[-2:] == ["变化", "已选地块"]


def test_fetched_layers_add_their_features_in_the_order_they_were_added():
    m = maps.base_map((114.3, 22.6, 114.4, 22.7))
    for name in ("a", "b"):
        maps.add_geojson(m, None, name, url=f"/app/static/cache/{name}.json")
    page = m.get_root().render()
    # Both fetches start at once; features are added through one queue per map.
    assert page.count("fetch(") == 2
    assert page.count("_psQueue = (") == 2
    assert page.index('"/app/static/cache/a.json"') < page.index('"/app/static/cache/b.json"')


# --------------------------------------------------------------------------- kept views


def test_frame_view_centres_and_zooms_on_the_feature():
    parcel = (114.4017, 22.6869, 114.4034, 22.6879)
    (lat, lng), zoom = maps.frame_view(parcel)
    assert lat == pytest.approx(22.6874) and lng == pytest.approx(114.40255)
    assert zoom == maps.FRAME_ZOOM_MAX or (zoom * 4).is_integer()
    # a point: the closest zoom; a whole park: farther out, never below the minimum
    assert maps.frame_view((114.37, 22.72, 114.37, 22.72))[1] == maps.FRAME_ZOOM_MAX
    big = maps.frame_view((114.38, 22.66, 114.43, 22.70))[1]
    assert maps.FRAME_ZOOM_MIN <= big < zoom
    assert maps.frame_view((113.0, 22.0, 115.0, 23.0))[1] == maps.FRAME_ZOOM_MIN


def test_view_shift_is_zero_in_wgs84_and_the_gcj02_offset_otherwise():
    assert maps.view_shift(22.7, 114.35, "EPSG:4326") == (0.0, 0.0)
    system = maps.BASEMAPS["gaode"][2]
    dlat, dlng = maps.view_shift(22.7, 114.35, system)
    # GCJ-02 lies a few hundred metres from WGS84 around Shenzhen
    assert 0.001 < abs(dlat) < 0.01 and 0.001 < abs(dlng) < 0.01


def test_kept_view_script_restores_saves_and_reports_the_view():
    m = maps.base_map((114.25, 22.61, 114.45, 22.79))
    m.add_child(maps.KeepView("landplan-view:abc:overview_map", maps.BASEMAPS["gaode"][2]))
    page = m.get_root().render()
    assert '"landplan-view:abc:overview_map"' in page
    assert "sessionStorage" in page and 'map.on("moveend"' in page
    assert "setComponentValue" in page and "view: current()" in page
    assert '"at": [22.7, 114.35]' in page
    # the hidden-tab refit leaves a kept view alone
    refit = page[page.index("new ResizeObserver") :]
    assert refit.index("if (map._psViewRestored) { return; }") < refit.index("map.fitBounds")
    # only a view restored from storage counts: a map shown late (a tab) saves its unfitted
    # view at the resize's moveend, which must not stop the fit
    assert "map._psViewRestored = true" in page[: page.index('map.on("moveend"')]
    assert "_psViewRestored" not in page[page.index('map.on("moveend"') :].split("});")[0]
