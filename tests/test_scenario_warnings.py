"""Feedback at the moment of an edit: unknown ids, FAR above the cap, industrial land in the
ecological control line or outside the 工业区块线 — known answers on hand-made layers."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import pytest

from geo.crs import WGS84
from layers import scenario as sc
from layers.catalog import LayerSet
from tests.test_scenario import layers, metric_box  # noqa: F401  (fixture)


@pytest.fixture
def constrained(layers: LayerSet) -> LayerSet:  # noqa: F811
    """The four 100 m parcels (P1 at x 0–100 m, P2 at 110–210 m …) with an eco-line polygon
    over x 60–200 m (40 % of P1, 90 % of P2), a block line over x −50–350 m, y −50–500 m,
    and a road (not a control line)."""
    constraints = gpd.GeoDataFrame(
        {"kind": ["eco_line", "block_line_1", "trunk_road"], "name": ["生态线", "一级线", "路"]},
        geometry=[
            metric_box(60, -20, 200, 120),
            metric_box(-50, -50, 350, 500),
            metric_box(-1000, 200, 3000, 210),
        ],
        crs=WGS84,
    )
    return layers.with_layer("constraints", constraints)


def kinds(warnings):
    return [w.kind for w in warnings]


def test_unknown_ids_keep_order_and_accept_frames_or_ids(layers):  # noqa: F811
    assert sc.unknown_ids(["P9", "P1", "X", "P9"], layers.parcels) == ("P9", "X")
    assert sc.unknown_ids("P1", ["P1"]) == ()
    assert sc.unknown_ids(["P1"], None) == ("P1",)


def test_an_unknown_parcel_is_listed(constrained):
    [warning] = sc.edit_warnings(sc.remove_parcel(["P1", "P9"]), constrained)
    assert warning.kind == sc.UNKNOWN_PARCELS and warning.parcel_ids == ("P9",)
    assert "P9" in warning.zh and "不存在" in warning.zh and "do not exist" in warning.en
    assert sc.edit_warnings(sc.merge_parcels(["P1", "P2"]), constrained)[0].kind != (
        sc.UNKNOWN_PARCELS
    )


def test_far_above_the_cap_reports_the_value_that_applies(constrained):
    edit = sc.set_attributes(["P1", "P3", "P4"], far_target=7)
    assert edit.attributes["far_target"] == 7.0  # the requested value is kept
    warnings = sc.edit_warnings(edit, constrained, far_caps={"P1": 6.0, "P3": 8.0, "P4": 6.0})
    [warning] = warnings
    assert warning.kind == sc.FAR_ABOVE_CAP and warning.parcel_ids == ("P1", "P4")
    assert (warning.requested_value, warning.applied_value) == (7.0, 6.0)
    assert "目标容积率 7 高于该地块上限 6，按 6 计算" in warning.zh
    assert "6 applies" in warning.en
    assert sc.edit_warnings(edit, constrained, far_caps=lambda pid: 7.0) == []
    assert sc.edit_warnings(edit, constrained) == []


def test_far_cap_of_a_drawn_parcel_is_looked_up_by_its_new_id(constrained):
    edit = sc.add_parcel(metric_box(0, 300, 100, 400), {"far_target": 5.0})
    [warning] = sc.edit_warnings(edit, constrained, far_caps={edit.parcel_ids[0]: 4.0})
    assert warning.kind == sc.FAR_ABOVE_CAP and warning.applied_value == 4.0


def test_making_a_parcel_industrial_inside_the_eco_line_gives_the_overlap(constrained):
    edit = sc.set_attributes("P1", land_use="M0")
    [warning] = sc.edit_warnings(edit, constrained)
    assert warning.kind == sc.INDUSTRIAL_IN_ECO_LINE and warning.parcel_ids == ("P1",)
    assert warning.area_m2 == pytest.approx(4_000.0, rel=1e-6)
    assert warning.area_ha == pytest.approx(0.4, rel=1e-6)
    assert "4,000 m²（0.40 ha）" in warning.zh and "基本生态控制线" in warning.zh


def test_non_industrial_or_unrelated_edits_say_nothing(constrained):
    assert sc.edit_warnings(sc.set_attributes("P1", land_use="other"), constrained) == []
    assert sc.edit_warnings(sc.set_attributes("P1", status="non_industrial"), constrained) == []
    assert sc.edit_warnings(sc.set_attributes("P1", highrise=True), constrained) == []
    # Without control lines nothing is measured.
    plain = replace(constrained, constraints=None)
    assert sc.edit_warnings(sc.set_attributes("P1", land_use="M0"), plain) == []


def test_a_drawn_parcel_half_outside_the_block_line(constrained):
    edit = sc.add_parcel(metric_box(300, 300, 400, 400), district=constrained.boundary)
    [warning] = sc.edit_warnings(edit, constrained)
    assert warning.kind == sc.INDUSTRIAL_OUTSIDE_BLOCK_LINE
    assert warning.parcel_ids == edit.parcel_ids
    assert warning.area_m2 == pytest.approx(5_000.0, rel=1e-6)
    assert "工业区块线之外" in warning.zh and "outside the industrial block lines" in warning.en


def test_a_merge_is_measured_as_the_union(constrained):
    edit = sc.merge_parcels(["P1", "P2"])
    warnings = sc.edit_warnings(edit, constrained)
    assert kinds(warnings) == [sc.INDUSTRIAL_IN_ECO_LINE]
    # 40 m of P1 and 90 m of P2 (x 110–200) lie inside the eco line.
    assert warnings[0].area_m2 == pytest.approx(13_000.0, rel=1e-6)
    assert warnings[0].parcel_ids == (edit.attributes["parcel_id"],)
