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


def test_search_frames_a_firm_and_draws_it_on_top():
    with app() as (at, maps):
        first = maps.calls[-1]
        assert first["center"] is None and first["zoom"] is None  # the district fit
        at.text_input(key="overview_map_search").input("比亚迪").run()
        assert not at.exception
        call = maps.calls[-1]
        assert call["zoom"] == 17.0
        assert 22.6 < call["center"][0] < 22.8 and 114.2 < call["center"][1] < 114.5
        layers = list(maps.data_layers("overview_map"))
        assert layers[-1] == "查找结果"  # added last: drawn above every other layer
        # the next rerun does not move the map again (the planner may have panned since)
        at.radio(key="overview_color_by").set_value("land_use").run()
        assert maps.calls[-1]["center"] is None and maps.calls[-1]["zoom"] is None
        assert "查找结果" in maps.data_layers("overview_map")
        # "zoom to it" frames it again
        next(b for b in at.button if b.key == "overview_map_search_go").click().run()
        assert maps.calls[-1]["zoom"] == 17.0
        assert maps.calls[-1]["center"] != call["center"]  # nudged, so the map moves again


def test_search_without_matches_says_so():
    with app() as (at, maps):
        at.text_input(key="overview_map_search").input("没有这个名字").run()
        assert not at.exception
        assert any("没有找到" in c.value for c in at.caption)
        assert "查找结果" not in maps.data_layers("overview_map")


def test_each_map_slot_keeps_its_view_under_its_own_session_key():
    with app() as (at, maps):
        overview = maps.maps["overview_map"].get_root().render()
        token = at.session_state["map_view_token"]
        assert f"landplan-view:{token}:overview_map" in overview
