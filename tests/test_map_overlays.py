"""Map layers swapped in the living map: overlay groups, the reuse key of fetched layers,
clearing drawn shapes, and the 情景规划 page handing its changing layers over as groups."""

from __future__ import annotations

import pytest

from tests.app_harness import app
from tests.test_app_scenario import PAGE, create
from ui import maps


def _layer(url: str, **style) -> maps.DataLayer:
    m = maps.base_map((114.3, 22.6, 114.4, 22.7))
    return maps.add_geojson(m, None, "x", url=url, style=style or None)


def test_a_fetched_layer_is_reused_only_for_the_same_url_and_style():
    same = _layer("/app/static/cache/a.json").cache_key
    assert same == _layer("/app/static/cache/a.json").cache_key
    assert same != _layer("/app/static/cache/b.json").cache_key
    assert same != _layer("/app/static/cache/a.json", weight=3).cache_key


def test_an_overlay_group_renders_its_layers_and_clears_drawings():
    m = maps.base_map((114.3, 22.6, 114.4, 22.7))
    group = maps.overlay("已选地块 <b>")
    group.add_child(maps.ClearDrawings())
    maps.add_geojson(group, None, "已选地块", url="/app/static/cache/s.json")
    group.add_to(m)
    maps.add_layer_control(m)
    page = m.get_root().render()
    assert "drawnItems.clearLayers()" in page
    assert "_psLayerCache" in page and '"/app/static/cache/s.json"' in page
    # the group's name is HTML-escaped in the layer switcher (then JSON-encoded)
    assert "\\u0026lt;b\\u0026gt;" in page and "<b>" not in page


@pytest.fixture
def workspace(own_workspace):
    return own_workspace


def test_the_scenario_map_swaps_parcels_changes_and_selection(workspace):
    with app(PAGE) as (at, rec):
        create(at)
        at.session_state["scenario_selection"] = ["PS00001"]
        at.run()
        call = [c for c in rec.calls if c["key"] == "scenario_map"][-1]
        groups = call["feature_group_to_add"]
        assert [g.layer_name for g in groups] == ["情景地块", "已选地块"]
        assert call["layer_control"] is not None
        first = rec.maps["scenario_map"]
        # the map itself does not depend on the selection: the same script for another one
        at.session_state["scenario_selection"] = ["PS00002"]
        at.run()
        second = rec.maps["scenario_map"]
        assert _main_script(first) == _main_script(second)


def _main_script(fig) -> str:
    """The map's own script without the swapped groups (which the recorder joined)."""
    import folium

    for child in list(fig._children.values()):
        if isinstance(child, folium.FeatureGroup):
            del fig._children[child.get_name()]
    from streamlit_folium import _get_map_string

    fig.render()
    return _get_map_string(fig)
