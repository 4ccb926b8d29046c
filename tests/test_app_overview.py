"""The app shell and the 总览 page under AppTest (map component recorded, not rendered)."""

import json

from layers.catalog import load_demo
from tests.app_harness import app
from ui.static_cache import STATIC_CACHE

DEMO = load_demo()
N_PARCELS = len(DEMO.parcels)
N_FIRMS = len(DEMO.enterprises)


def served_payload(layer) -> dict:
    """The GeoJSON a DataLayer makes the browser fetch, read back from the static cache."""
    assert layer.url.startswith("/app/static/cache/")
    return json.loads((STATIC_CACHE / layer.url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))


def test_overview_renders_demo_with_banner_and_map():
    with app() as (at, maps):
        assert not at.exception
        assert at.title[0].value == "坪山产业空间总览"
        assert any("示意数据" in info.value for info in at.info)
        layers = maps.data_layers("overview_map")
        parcels = served_payload(layers["地块"])
        assert len(parcels["features"]) == N_PARCELS
        firms = served_payload(layers["企业"])
        anchors = served_payload(layers["龙头企业"])
        assert len(firms["features"]) + len(anchors["features"]) == N_FIRMS
        # panning must not rerun the script: no map state is asked back
        assert maps.calls[-1]["returned_objects"] == []


def test_metrics_show_parcel_and_enterprise_counts():
    with app() as (at, _):
        values = {m.label: m.value for m in at.metric}
        assert values["地块数"] == f"{N_PARCELS:,}"
        assert values["企业数 (规上)"].startswith(f"{N_FIRMS:,}")


def test_colour_choice_changes_parcel_colours():
    with app() as (at, maps):
        by_status = served_payload(maps.data_layers("overview_map")["地块"])
        at.radio(key="overview_color_by").set_value("land_use").run()
        by_use = served_payload(maps.data_layers("overview_map")["地块"])
    colors_status = {f["properties"]["_color"] for f in by_status["features"]}
    colors_use = {f["properties"]["_color"] for f in by_use["features"]}
    assert colors_status != colors_use
    assert len(colors_use) == 4


def test_english_switch():
    with app(lang="en") as (at, maps):
        assert not at.exception
        assert at.title[0].value == "Pingshan industrial space overview"
        assert "Parcels" in maps.data_layers("overview_map")


def test_tooltip_text_is_escaped():
    with app() as (_, maps):
        firms = served_payload(maps.data_layers("overview_map")["企业"])
    names = [f["properties"]["name"] for f in firms["features"]]
    assert all("<" not in n for n in names)


def test_switching_language_keeps_choices():
    with app() as (at, _):
        at.selectbox(key="basemap").set_value("osm").run()
        at.radio(key="lang").set_value("en").run()
        at.radio(key="overview_color_by").set_value("land_use").run()
        at.radio(key="lang").set_value("zh").run()
        assert not at.exception
        assert at.radio(key="overview_color_by").value == "land_use"
        assert at.selectbox(key="basemap").value == "osm"
        assert at.title[0].value == "坪山产业空间总览"
