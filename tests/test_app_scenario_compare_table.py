"""情景对比 readability: the rate of change says 新增 or — where A is 0 (never None), and the
per-parcel scenario table lists the rebuilt parcels (changed first) with FAR, floors,
height, GFA by band and increment, in 万 m²."""

from __future__ import annotations

import pytest

from tests.app_harness import app, data_layers
from tests.test_app_scenario import PAGE, create, mark_highrise, open_compare, pocket_ids
from ui import maps
from ui.scenario_compare import rate_text


def test_rate_text_by_hand():
    assert rate_text(200.0, 50.0, 0.25) == "+25.0%"
    assert rate_text(200.0, -20.0, -0.1) == "-10.0%"
    assert rate_text(0.0, 30.0, float("nan")) == "新增"
    assert rate_text(0.0, 0.0, float("nan")) == "—"


@pytest.fixture
def workspace(own_workspace):
    return own_workspace


def test_parcel_table_lists_the_changed_parcels_first(workspace):
    ids = pocket_ids()[:3]
    with app(PAGE) as (at, _):
        create(at)
        mark_highrise(at, ids)
        open_compare(at)
        tables = [d.value for d in at.dataframe if "新增建筑面积（万 m²）" in d.value.columns]
        assert len(tables) == 1
        table = tables[0]
        assert set(table["地块编号"].iloc[:3]) == set(ids)
        assert table["情景修改"].iloc[:3].all() and not table["情景修改"].iloc[3:].any()
        first = table.iloc[0]
        # 工业上楼 parcels are built to the upper FAR: more than today, several floors up
        assert first["规则容积率"] > first["现状容积率"]
        assert first["层数"] >= 5 and first["高度（米）"] > 24
        bands = [c for c in table.columns if c.endswith("（万 m²）") and "新增" not in c]
        assert len(bands) >= 2
        assert (table["新增建筑面积（万 m²）"] >= 0).all()
        # the compare tables say 新增 or — where A is 0, never None
        for frame in (d.value for d in at.dataframe):
            if "变化率" in frame.columns:
                assert not frame["变化率"].isna().any()
                assert "None" not in set(frame["变化率"].astype(str))


def test_compare_shows_a_and_b_side_by_side_panning_together(workspace):
    with app(PAGE) as (at, rec):
        create(at)
        mark_highrise(at, pocket_ids()[:2])
        assert "scenario_compare_map_a" not in rec.maps  # not computed while the tab is shut
        open_compare(at)
        assert {"scenario_compare_map_a", "scenario_compare_map"} <= set(rec.maps)
        for key in ("scenario_compare_map_a", "scenario_compare_map"):
            page = rec.maps[key].get_root().render()
            assert page.count("ps-sync-view") >= 2, key  # announces and follows
        # A is the baseline (no changes), B the working copy with its two changed parcels
        assert "变化" not in data_layers(rec.maps["scenario_compare_map_a"])
        assert "变化" in data_layers(rec.maps["scenario_compare_map"])


def test_changes_are_drawn_removed_first_and_added_last():
    import geopandas as gpd
    import shapely

    changes = gpd.GeoDataFrame(
        {
            "parcel_id": ["M1", "P1", "P2", "P3"],
            "change": ["added", "removed", "modified", "removed"],
        },
        geometry=[shapely.box(0, 0, 1, 1)] * 4,
        crs=4326,
    )
    payload = maps.changes_payload(changes)
    order = [f["properties"]["parcel_id"] for f in payload["features"]]
    assert order == ["P1", "P3", "P2", "M1"]  # the merged parcel above what it replaced
