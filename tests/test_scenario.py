"""Scenario model: edit constructors and their validation, immutability, apply and its reports."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box, mapping

from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from layers import scenario as sc
from layers.catalog import LayerSet, load_demo
from layers.schema import STATUS, validate_layer

X0, Y0 = 535_000.0, 2_511_000.0  # EPSG:4547, near 坪山 centre


def metric_box(x1: float, y1: float, x2: float, y2: float) -> Polygon:
    """A box given in metres from the local origin, returned in WGS84."""
    geom = box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)
    return gpd.GeoSeries([geom], crs=METRIC_CRS).to_crs(WGS84).iloc[0]


@pytest.fixture
def layers() -> LayerSet:
    """Four 100 m parcels in a row (10 m apart) in park A; park A lies inside the belt."""
    geoms = [metric_box(i * 110, 0, i * 110 + 100, 100) for i in range(4)]
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4"],
            "park_id": ["A", "A", "A", None],
            "status": ["low_efficiency", "reserve", "built", "built"],
            "land_use": ["M1", "M1", "M0", "M1"],
            "far_current": [1.0, 0.0, 2.0, 2.0],
            "density_zone": [2, 2, 3, 3],
        },
        geometry=geoms,
        crs=WGS84,
    )
    parks = gpd.GeoDataFrame(
        {"park_id": ["belt", "A"], "name": ["产业带", "园区A"], "kind": ["corridor", "park"]},
        geometry=[metric_box(-500, -500, 2000, 1000), metric_box(-50, -50, 350, 500)],
        crs=WGS84,
    )
    base = LayerSet(is_demo=True).with_layer("parcels", parcels).with_layer("parks", parks)
    return base.with_layer(
        "boundary",
        gpd.GeoDataFrame(
            {"name": ["区"]}, geometry=[metric_box(-1000, -1000, 3000, 3000)], crs=WGS84
        ),
    )


def outline(layers: LayerSet) -> Polygon:
    return layers.boundary.geometry.iloc[0]


# --- constructors -----------------------------------------------------------------------


def test_set_attributes_accepts_codes_and_chinese_labels():
    edit = sc.set_attributes(
        ["P1", "P2", "P1"],
        status="可供应",
        land_use="新型产业",
        guided_cluster="芯片",
        highrise="是",
        far_target=4,
    )
    assert edit.kind == "set_attributes"
    assert edit.parcel_ids == ("P1", "P2")
    assert edit.attributes == {
        "status": "available",
        "land_use": "M0",
        "guided_cluster": "chip",
        "highrise": True,
        "far_target": 4.0,
    }


@pytest.mark.parametrize(
    ("attrs", "fragment"),
    [
        ({"colour": "red"}, "colour"),
        ({"status": "已拆除"}, "已拆除"),
        ({"far_target": -1.0}, "far_target"),
        ({"far_target": "高"}, "far_target"),
        ({"highrise": "maybe"}, "highrise"),
        ({"guided_cluster": "textiles"}, "textiles"),
        ({"area_m2": 5.0}, "area_m2"),
    ],
)
def test_set_attributes_rejects_bad_names_and_values(attrs, fragment):
    with pytest.raises(InputError) as err:
        sc.set_attributes("P1", **attrs)
    text = str(err.value)
    assert fragment in text
    assert text.splitlines()[0].startswith("地块属性有误")


def test_set_attributes_needs_parcels_and_attributes():
    with pytest.raises(InputError, match="没有选中任何地块"):
        sc.set_attributes([], status="available")
    with pytest.raises(InputError, match="没有要修改的属性"):
        sc.set_attributes(["P1"])


def test_clearing_values_is_explicit():
    edit = sc.set_attributes("P1", far_target=None, guided_cluster=None)
    assert edit.attributes == {"far_target": None, "guided_cluster": None}
    with pytest.raises(InputError):
        sc.set_attributes("P1", status=None)


def test_add_parcel_self_intersecting_is_refused_with_its_location(layers):
    lon, lat = outline(layers).centroid.coords[0]
    d = 0.002
    bowtie = Polygon([(lon, lat), (lon + d, lat + d), (lon + d, lat), (lon, lat + d)])
    with pytest.raises(InputError) as err:
        sc.add_parcel(bowtie, district=layers.boundary)
    first = str(err.value).splitlines()[0]
    assert "自相交" in first
    assert f"{lon + d / 2:.5f}" in first  # where the outline crosses
    assert "intersects itself" in str(err.value)


def test_add_parcel_outside_the_district_is_refused(layers):
    far_away = metric_box(10_000, 10_000, 10_200, 10_200)
    with pytest.raises(InputError, match="区界之外"):
        sc.add_parcel(far_away, district=layers.boundary)


def test_add_parcel_partly_outside_is_clipped_and_noted(layers):
    # 400 m × 200 m straddling the east edge of the district at x = 3000 m: half is inside.
    straddling = metric_box(2800, 0, 3200, 200)
    edit = sc.add_parcel(straddling, {"status": "reserve"}, district=layers.boundary)
    assert shapely.covers(outline(layers).buffer(1e-9), edit.geometry)
    assert sc.metric_area_m2(edit.geometry) == pytest.approx(200 * 200, rel=1e-3)
    assert "已按区界裁剪" in edit.note
    assert "40,000" in edit.note
    assert edit.attributes["status"] == "reserve"


def test_add_parcel_inside_keeps_the_drawing_and_defaults(layers):
    square = metric_box(1000, 1000, 1100, 1100)
    edit = sc.add_parcel(mapping(square), district=layers.boundary, author="李工")
    assert re.fullmatch(r"S-[0-9a-f]{8}", edit.parcel_ids[0])
    assert edit.geometry.equals(square)
    assert edit.attributes == {"status": "available", "land_use": "M1", "highrise": False}
    assert edit.note == "" and edit.author == "李工"
    # Same drawing, same id; another drawing, another id.
    assert sc.add_parcel(square).parcel_ids == edit.parcel_ids
    assert sc.add_parcel(metric_box(0, 1000, 100, 1100)).parcel_ids != edit.parcel_ids


def test_add_parcel_accepts_a_geojson_feature():
    square = metric_box(0, 0, 100, 100)
    feature = {"type": "Feature", "properties": {}, "geometry": mapping(square)}
    assert sc.add_parcel(feature).geometry.equals(square)


@pytest.mark.parametrize(
    ("geometry", "fragment"),
    [
        (metric_box(0, 0, 5, 5), "小于最小面积"),
        (LineString([(114.3, 22.7), (114.31, 22.71)]), "应为多边形"),
        (box(535_000, 2_511_000, 535_100, 2_511_100), "不是经纬度"),
        (None, "请先在地图上绘制"),
    ],
)
def test_add_parcel_rejects_bad_drawings(geometry, fragment):
    with pytest.raises(InputError, match=fragment):
        sc.add_parcel(geometry)


def test_merge_and_split_constructors():
    merge = sc.merge_parcels(["P2", "P1"], {"status": "reserve"})
    assert merge.attributes["parcel_id"] == sc.merge_parcels(["P1", "P2"]).attributes["parcel_id"]
    assert re.fullmatch(r"S-[0-9a-f]{8}", merge.attributes["parcel_id"])
    with pytest.raises(InputError, match="至少需要选中两个"):
        sc.merge_parcels(["P1"])
    with pytest.raises(InputError, match="折线"):
        sc.split_parcel("P1", metric_box(0, 0, 10, 10))
    with pytest.raises(InputError, match="只能选中一个"):
        sc.split_parcel(["P1", "P2"], LineString([(114.3, 22.7), (114.31, 22.71)]))


def test_describe_reads_in_chinese_and_english():
    edit = sc.set_attributes(["P1", "P2"], status="available", highrise=True, note="释放")
    assert edit.describe() == "修改 2 个地块（P1、P2）：地块状态 → 可供应；工业上楼 → 是（释放）"
    assert edit.describe("en") == (
        "Set on 2 parcel(s) (P1, P2): status → available; highrise → yes (释放)"
    )


# --- scenario immutability --------------------------------------------------------------


def test_scenarios_are_immutable_and_undo_drops_the_last_edit():
    first = sc.new_scenario("  高新南上楼 ", author="张工")
    assert first.name == "高新南上楼" and first.version == 0 and first.base_id is None
    assert re.fullmatch(r"[0-9a-f-]{36}", first.id)
    one = first.with_edit(sc.remove_parcel("P1"))
    two = one.with_edit(sc.remove_parcel("P2"))
    assert first.edits == () and len(one.edits) == 1 and len(two.edits) == 2
    assert two.undo() == one
    assert two.undo().fingerprint() == one.fingerprint() != two.fingerprint()
    assert one.with_details(name="改名").fingerprint() == one.fingerprint()
    assert two.without_edit(0).edits == (two.edits[1],)
    with pytest.raises(InputError, match="没有可撤销"):
        first.undo()
    with pytest.raises(InputError):
        sc.new_scenario("   ")
    with pytest.raises(AttributeError):
        first.name = "x"


# --- apply ------------------------------------------------------------------------------


def test_apply_sets_attributes_and_reports_what_changed(layers):
    scenario = (
        sc.new_scenario("s")
        .with_edit(
            sc.set_attributes(
                ["P1", "P2"], status="available", highrise=True, guided_cluster="chip"
            )
        )
        .with_edit(sc.set_attributes(["P3", "P4"], status="built"))
    )  # no real change
    applied = sc.apply(scenario, layers)
    out = applied.parcels.set_index("parcel_id")
    assert out.loc[["P1", "P2"], "status"].tolist() == ["available", "available"]
    assert out.loc[["P1", "P2"], "highrise"].tolist() == [True, True]
    assert out.loc["P1", "guided_cluster"] == "chip"
    assert pd.isna(out.loc["P3", "guided_cluster"])
    assert applied.modified == ("P1", "P2")
    assert applied.added == () and applied.removed == ()
    assert applied.changes["change"].tolist() == ["modified", "modified"]
    assert applied.problems == ()
    assert applied.layers.is_demo
    # The base is untouched.
    assert layers.parcels.set_index("parcel_id").loc["P1", "status"] == "low_efficiency"


def test_edits_that_no_longer_apply_are_reported_not_dropped(layers):
    scenario = (
        sc.new_scenario("s")
        .with_edit(sc.remove_parcel("P1"))
        .with_edit(sc.set_attributes(["P1", "P2"], status="available"))
        .with_edit(sc.remove_parcel(["P9"]))
    )
    applied = sc.apply(scenario, layers)
    assert [p.index for p in applied.problems] == [1, 2]
    assert "P1" in applied.problems[0].message and "已不存在" in applied.problems[0].message
    assert "no longer exist" in applied.problems[0].message
    assert "P9" in applied.problems[1].message
    assert all(p.scenario_id == scenario.id for p in applied.problems)
    out = applied.parcels.set_index("parcel_id")
    assert out.loc["P2", "status"] == "available"  # the part that still applies did
    assert applied.removed == ("P1",)


def test_drawn_parcel_gets_park_zone_area_and_zero_current_gfa(layers):
    inside_park_and_belt = metric_box(0, 200, 200, 400)
    belt_only = metric_box(1000, 0, 1100, 100)
    outside = metric_box(2500, 2500, 2600, 2600)
    edits = [
        sc.add_parcel(g, {"land_use": "M0"}) for g in (inside_park_and_belt, belt_only, outside)
    ]
    applied = sc.apply(sc.Scenario("x", "s", edits=tuple(edits)), layers)
    out = applied.parcels.set_index("parcel_id")
    new = out.loc[[e.parcel_ids[0] for e in edits]]
    assert new["park_id"].tolist()[:2] == ["A", "belt"]  # the park wins over the belt
    assert pd.isna(new["park_id"].iloc[2])
    # Park A's parcels: zones 2, 2, 3 → 2; elsewhere the default 3.
    assert new["density_zone"].tolist() == [2, 3, 3]
    np.testing.assert_allclose(new["area_m2"], [40_000, 10_000, 10_000], rtol=1e-3)
    assert (new["far_current"] == 0).all() and (new["gfa_current_m2"] == 0).all()
    assert (new["status"] == "available").all() and (new["land_use"] == "M0").all()
    assert (new["source"] == sc.SCENARIO_SOURCE).all()
    assert applied.added == tuple(sorted(new.index))
    validate_layer("parcels", applied.parcels)


def test_density_zone_given_in_the_form_wins(layers):
    edit = sc.add_parcel(metric_box(0, 200, 200, 400), {"density_zone": 5})
    out = sc.apply(sc.Scenario("x", "s", edits=(edit,)), layers).parcels
    assert out.set_index("parcel_id").loc[edit.parcel_ids[0], "density_zone"] == 5


def test_drawing_twice_and_overlaps_are_reported(layers):
    over_p1 = metric_box(50, 0, 150, 100)  # half over P1, the gap, a little of P2
    edit = sc.add_parcel(over_p1)
    applied = sc.apply(sc.Scenario("x", "s", edits=(edit, edit)), layers)
    messages = [p.message for p in applied.problems]
    assert len(messages) == 2
    assert "重叠" in messages[0] and "P1" in messages[0] and "P2" in messages[0]
    assert "已存在" in messages[1]
    assert applied.added == edit.parcel_ids  # added once


def test_split_shares_area_and_gfa_by_measured_area(layers):
    p1 = layers.parcels.geometry.iloc[0]
    minx, miny, maxx, maxy = p1.bounds
    cut_x = minx + 0.25 * (maxx - minx)
    line = LineString([(cut_x, miny - 1e-4), (cut_x, maxy + 1e-4)])
    applied = sc.apply(sc.Scenario("x", "s", edits=(sc.split_parcel("P1", line),)), layers)
    out = applied.parcels.set_index("parcel_id")
    assert "P1" not in out.index
    parts = out.loc[["P1-1", "P1-2"]]  # numbered west to east
    base = layers.parcels.set_index("parcel_id").loc["P1"]
    np.testing.assert_allclose(parts["area_m2"] / base["area_m2"], [0.25, 0.75], atol=0.01)
    assert parts["gfa_current_m2"].sum() == pytest.approx(base["gfa_current_m2"])
    assert (parts["status"] == "low_efficiency").all() and (parts["park_id"] == "A").all()
    assert applied.added == ("P1-1", "P1-2") and applied.removed == ("P1",)
    changes = applied.changes.set_index("parcel_id")
    assert changes["change"].to_dict() == {"P1-1": "added", "P1-2": "added", "P1": "removed"}
    assert changes.loc["P1", "change_zh"] == "删除"
    assert changes.geometry["P1"].equals(p1)  # removed parcels are drawn from the base
    assert changes.geometry["P1-1"].area < 0.3 * p1.area


def test_a_line_that_misses_the_parcel_is_reported(layers):
    line = LineString([(114.0, 22.0), (114.001, 22.001)])
    applied = sc.apply(sc.Scenario("x", "s", edits=(sc.split_parcel("P1", line),)), layers)
    assert len(applied.problems) == 1 and "分割线" in applied.problems[0].message
    assert applied.changed_parcel_ids == ()


def test_merge_sums_area_and_gfa(layers):
    edit = sc.merge_parcels(["P1", "P2", "P3"], {"status": "reserve", "highrise": True})
    applied = sc.apply(sc.Scenario("x", "s", edits=(edit,)), layers)
    out = applied.parcels.set_index("parcel_id")
    new_id = edit.attributes["parcel_id"]
    base = layers.parcels.set_index("parcel_id")
    merged = out.loc[new_id]
    assert merged["area_m2"] == pytest.approx(base.loc[["P1", "P2", "P3"], "area_m2"].sum())
    assert merged["gfa_current_m2"] == pytest.approx(
        base.loc[["P1", "P2", "P3"], "gfa_current_m2"].sum()
    )
    assert merged["far_current"] == pytest.approx(1.0)  # (1 + 0 + 2) / 3 on equal areas
    assert merged["status"] == "reserve" and merged["highrise"]
    assert merged["land_use"] == "M1"  # taken from the first listed
    assert merged.geometry.geom_type == "MultiPolygon"  # 10 m roads lie between
    assert applied.removed == ("P1", "P2", "P3") and applied.added == (new_id,)


def test_scenario_on_a_scenario_and_cycles(layers):
    parent = sc.new_scenario("parent").with_edit(sc.set_attributes("P2", status="available"))
    child = sc.new_scenario("child", base_id=parent.id).with_edit(
        sc.set_attributes("P2", highrise=True)
    )
    stored = {parent.id: parent, child.id: child}
    applied = sc.apply(child, layers, resolve_base=stored.__getitem__)
    row = applied.parcels.set_index("parcel_id").loc["P2"]
    assert row["status"] == "available" and row["highrise"]
    assert applied.modified == ("P2",)
    with pytest.raises(InputError, match="resolve_base"):
        sc.apply(child, layers)
    looped = {parent.id: sc.Scenario(parent.id, "parent", base_id=child.id), child.id: child}
    with pytest.raises(InputError, match="循环"):
        sc.apply(child, layers, resolve_base=looped.__getitem__)


def test_problems_of_a_base_are_named(layers):
    parent = sc.new_scenario("底稿").with_edit(sc.remove_parcel("P9"))
    child = sc.new_scenario("child", base_id=parent.id)
    applied = sc.apply(child, layers, resolve_base={parent.id: parent}.__getitem__)
    assert applied.problems[0].scenario_id == parent.id
    assert "底稿" in applied.problems[0].message


def test_apply_needs_parcels():
    with pytest.raises(InputError, match="没有基础地块图层"):
        sc.apply(sc.new_scenario("s"), LayerSet())


def test_select_parcels_by_drawn_area(layers):
    around_first_two = metric_box(-5, -5, 215, 105)
    assert sc.select_parcels(layers.parcels, around_first_two, predicate="within") == ["P1", "P2"]
    touching = metric_box(212, 50, 230, 60)  # from the road into P3
    assert sc.select_parcels(layers.parcels, touching) == ["P3"]
    assert sc.select_parcels(layers.parcels, touching, predicate="within") == []


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sets(st.sampled_from(["P1", "P2", "P3", "P4"]), min_size=1),
            st.sampled_from(STATUS.codes),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_last_edit_wins_and_untouched_parcels_stay(layers_once, steps):
    scenario = sc.new_scenario("p")
    expected = layers_once.parcels.set_index("parcel_id")["status"].to_dict()
    for ids, status in steps:
        scenario = scenario.with_edit(sc.set_attributes(sorted(ids), status=status))
        expected.update(dict.fromkeys(ids, status))
    applied = sc.apply(scenario, layers_once)
    assert applied.parcels.set_index("parcel_id")["status"].to_dict() == expected
    base = layers_once.parcels.set_index("parcel_id")["status"]
    assert set(applied.modified) == {p for p, s in expected.items() if s != base[p]}
    # Undo replays the prefix.
    shorter = sc.apply(scenario.undo(), layers_once).parcels
    assert len(shorter) == 4


@pytest.fixture(scope="module")
def layers_once() -> LayerSet:
    geoms = [metric_box(i * 110, 0, i * 110 + 100, 100) for i in range(4)]
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4"],
            "status": ["built"] * 4,
            "land_use": ["M1"] * 4,
            "far_current": [1.0] * 4,
            "density_zone": [3] * 4,
        },
        geometry=geoms,
        crs=WGS84,
    )
    return LayerSet().with_layer("parcels", parcels)


# --- the demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> LayerSet:
    return load_demo()


def test_demo_scenario_gives_the_expected_parcel_changes(demo):
    parcels = demo.parcels
    pocket = parcels["pocket"]
    gaoxin = parcels.loc[
        (pocket == "gaoxin_south_pocket") & (parcels["status"] == "low_efficiency"), "parcel_id"
    ]
    longtian = parcels.loc[pocket == "longtian_north", "parcel_id"]
    scenario = (
        sc.new_scenario("高新南工业上楼，释放龙田北")
        .with_edit(sc.set_attributes(gaoxin, highrise=True, note="工业上楼"))
        .with_edit(sc.set_attributes(longtian, status="可供应"))
    )
    applied = sc.apply(scenario, demo)
    assert applied.problems == ()
    out = applied.parcels.set_index("parcel_id")
    base = parcels.set_index("parcel_id")
    assert out.loc[gaoxin, "highrise"].all()
    assert (out.loc[longtian, "status"] == "available").all()
    already = set(base.index[base["status"] == "available"]) & set(longtian)
    assert set(applied.modified) == set(gaoxin) | (set(longtian) - already)
    others = base.index.difference(list(applied.modified))
    cols = ["status", "land_use", "highrise", "area_m2", "gfa_current_m2"]
    assert out.loc[others, cols].equals(base.loc[others, cols])
    assert len(out) == len(base) and applied.layers.is_demo


def test_demo_drawings_outside_or_crossing_are_refused(demo):
    with pytest.raises(InputError, match="区界之外"):
        sc.add_parcel(box(114.60, 22.80, 114.61, 22.81), district=demo.boundary)
    lon, lat = 114.40, 22.70
    bowtie = Polygon(
        [(lon, lat), (lon + 0.002, lat + 0.002), (lon + 0.002, lat), (lon, lat + 0.002)]
    )
    with pytest.raises(InputError, match="自相交"):
        sc.add_parcel(bowtie, district=demo.boundary)
    # A clean drawing inside the district is added, with a park from the parks layer.
    edit = sc.add_parcel(box(114.40, 22.70, 114.401, 22.701), district=demo.boundary)
    applied = sc.apply(sc.Scenario("x", "s", edits=(edit,)), demo)
    assert applied.added == edit.parcel_ids
