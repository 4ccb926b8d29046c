"""Scenario indicators: hand-computed figures on a tiny layout, comparisons, and the demo."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from analysis.capacity import NO_GROUP, REDEVELOP_RULE, capacity_summary, rule_capacity
from analysis.indicators import (
    ALL_CLUSTERS,
    DISTRICT,
    HEADLINE_INDICATORS,
    INDICATORS,
    compare_indicators,
    parcel_capacity,
    scenario_indicators,
)
from analysis.standards import load_standards
from geo.crs import METRIC_CRS, WGS84
from geo.errors import InputError
from layers import scenario as sc
from layers.catalog import LayerSet, load_demo

X0, Y0 = 535_000.0, 2_511_000.0

GUIDANCE = {
    "parks": {
        "A": {"name_zh": "园区A", "kind": "park", "clusters": ["chip"]},
        "B": {"name_zh": "园区B", "kind": "park", "clusters": ["car"]},
    },
}


def to_wgs(geoms: list) -> gpd.GeoSeries:
    return gpd.GeoSeries(geoms, crs=METRIC_CRS).to_crs(WGS84)


def mbox(x1: float, y1: float, x2: float, y2: float):
    return box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


@pytest.fixture(scope="module")
def standards():
    # Without plot-size correction the allowed FAR is the table value itself.
    return load_standards().without_plot_size_correction()


@pytest.fixture(scope="module")
def tiny() -> LayerSet:
    """Four parcels (recorded areas are round numbers) in two parks.

    P1 100 ha low-efficiency M1 zone 3, FAR 1.0; P2 50 ha reserve M1 zone 3, 10 m east of
    P1; P3 12 ha available M0 zone 2, far away; P4 1 ha built M1 zone 3, FAR 2.0.
    """
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3", "P4"],
            "park_id": ["A", "A", "B", "B"],
            "status": ["low_efficiency", "reserve", "available", "built"],
            "land_use": ["M1", "M1", "M0", "M1"],
            "area_m2": [1_000_000.0, 500_000.0, 120_000.0, 10_000.0],
            "far_current": [1.0, 0.0, 0.0, 2.0],
            "density_zone": [3, 3, 2, 3],
        },
        geometry=to_wgs(
            [
                mbox(0, 0, 1000, 1000),
                mbox(1010, 0, 1510, 1000),
                mbox(3000, 0, 3300, 400),
                mbox(5000, 0, 5100, 100),
            ]
        ),
        crs=WGS84,
    )
    parks = gpd.GeoDataFrame(
        {"park_id": ["A", "B"], "name": ["园区A", "园区B"], "kind": ["park", "park"]},
        geometry=to_wgs([mbox(-100, -100, 1600, 1100), mbox(2900, -100, 5200, 500)]),
        crs=WGS84,
    )
    firms = gpd.GeoDataFrame(
        {
            "ent_id": ["e1", "e2", "e3", "e4", "e5", "e6"],
            "name": ["甲", "乙", "丙", "丁", "戊", "己"],
            "cluster": ["chip", "chip", "chip", "other", "car", "car"],
            "is_above_scale": [True] * 6,
            "output_10k_cny": [10.0, 10.0, 10.0, 70.0, 5.0, 5.0],
            "park_id": ["A", "A", "A", "A", "B", "B"],
        },
        geometry=to_wgs([mbox(i * 10, 0, i * 10 + 1, 1).centroid for i in range(6)]),
        crs=WGS84,
    )
    return (
        LayerSet()
        .with_layer("parcels", parcels)
        .with_layer("parks", parks)
        .with_layer("enterprises", firms)
    )


@pytest.fixture(scope="module")
def tiny_scenario(tiny) -> LayerSet:
    """P1 released and marked 工业上楼 and guided to chip; P2 released and guided to car."""
    scenario = (
        sc.new_scenario("t")
        .with_edit(
            sc.set_attributes("P1", status="available", highrise=True, guided_cluster="chip")
        )
        .with_edit(sc.set_attributes("P2", status="available", guided_cluster="car"))
    )
    return sc.apply(scenario, tiny).layers


def row(frame: pd.DataFrame, **keys) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for k, v in keys.items():
        mask &= (frame[k] == v).to_numpy()
    assert mask.sum() == 1, keys
    return frame.loc[mask].iloc[0]


def test_contiguity_known_answer(tiny, standards):
    ind = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE)
    c = ind.contiguity
    # potential: {P1, P2} = 150 ha across a 10 m road, {P3} = 12 ha.
    district = row(c, selection="potential", park_id=DISTRICT)
    assert district["total_area_ha"] == pytest.approx(162.0)
    assert district["km2_area_ha"] == pytest.approx(150.0)
    assert district["km2_block_count"] == 1
    assert district["ge10ha_area_ha"] == pytest.approx(162.0)
    assert district["ge10ha_block_count"] == 2
    assert district["largest_block_ha"] == pytest.approx(150.0)
    assert district["m_eff_ha"] == pytest.approx((150.0**2 + 12.0**2) / 162.0)
    park_a = row(c, selection="potential", park_id="A")
    assert park_a["km2_area_ha"] == pytest.approx(150.0)
    assert park_a["m_eff_ha"] == pytest.approx((100 * 150 + 50 * 150) / 150)
    park_b = row(c, selection="potential", park_id="B")
    assert (park_b["km2_area_ha"], park_b["ge10ha_area_ha"]) == pytest.approx((0.0, 12.0))
    # supply: only P3 is released.
    supply = row(c, selection="supply", park_id=DISTRICT)
    assert (supply["km2_area_ha"], supply["ge10ha_area_ha"], supply["m_eff_ha"]) == pytest.approx(
        (0.0, 12.0, 12.0)
    )
    assert row(c, selection="supply", park_id="A")["total_area_ha"] == 0.0


def test_capacity_known_answer(tiny, tiny_scenario, standards):
    base = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE).capacity
    # P1 rebuilt at the base FAR 3.5 (1,000,000 m² × 3.5), P3 built at M0 zone 2 base 5.0;
    # P2 (reserve) and P4 (built) keep their current GFA.
    a = row(base, park_id="A")
    assert (a["gfa_current_m2"], a["gfa_max_m2"], a["gfa_increment_m2"]) == pytest.approx(
        (1_000_000, 3_500_000, 2_500_000)
    )
    assert a["redeveloped_area_ha"] == pytest.approx(100.0)
    b = row(base, park_id="B")
    assert (b["gfa_current_m2"], b["gfa_max_m2"], b["gfa_increment_m2"]) == pytest.approx(
        (20_000, 620_000, 600_000)
    )
    d = row(base, park_id=DISTRICT)
    assert (d["gfa_max_m2"], d["gfa_increment_m2"]) == pytest.approx((4_120_000, 3_100_000))
    assert row(base, park_id=NO_GROUP)["gfa_max_m2"] == 0.0

    scen = scenario_indicators(tiny_scenario, standards=standards, guidance=GUIDANCE).capacity
    # P1 marked 工业上楼 builds to the upper limit 3.5 × 1.5 = 5.25; P2, released, to 3.5.
    a = row(scen, park_id="A")
    assert a["gfa_max_m2"] == pytest.approx(5_250_000 + 1_750_000)
    assert a["gfa_increment_m2"] == pytest.approx(4_250_000 + 1_750_000)
    assert a["redeveloped_area_ha"] == pytest.approx(150.0)


def test_capacity_by_cluster_known_answer(tiny, tiny_scenario, standards):
    base = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE).capacity_by_cluster
    # P1: 500,000 m² footprint × 7 floors; chip may use every floor, car floors 1–4.
    assert row(base, cluster="chip", park_id="A")["gfa_fit_m2"] == pytest.approx(3_500_000)
    assert row(base, cluster="car", park_id="A")["gfa_fit_m2"] == pytest.approx(2_000_000)
    # P3: 60,000 m² footprint × 10 floors.
    assert row(base, cluster="car", park_id="B")["gfa_fit_m2"] == pytest.approx(240_000)
    assert row(base, cluster="chip:fab", park_id=DISTRICT)["gfa_fit_m2"] == pytest.approx(
        500_000 + 60_000
    )
    assert base["guided_gfa_max_m2"].sum() == 0.0

    scen = scenario_indicators(
        tiny_scenario, standards=standards, guidance=GUIDANCE
    ).capacity_by_cluster
    chip = row(scen, cluster="chip", park_id="A")
    assert (chip["guided_gfa_max_m2"], chip["guided_gfa_increment_m2"]) == pytest.approx(
        (5_250_000, 4_250_000)
    )
    assert row(scen, cluster="car", park_id=DISTRICT)["guided_gfa_max_m2"] == pytest.approx(
        1_750_000
    )


def test_guidance_fit_known_answer(tiny, tiny_scenario, standards):
    fit = scenario_indicators(
        tiny_scenario, standards=standards, guidance=GUIDANCE
    ).guidance_fit.set_index("park_id")
    assert fit.loc["A", "n_enterprises"] == 4
    assert fit.loc["A", "fit_share_count"] == pytest.approx(0.75)
    assert fit.loc["A", "fit_share_output"] == pytest.approx(0.3)
    assert fit.loc["B", "fit_share_count"] == pytest.approx(1.0)
    # Park A: 150 ha guided, of which P1 (100 ha, chip) fits and P2 (car) does not.
    assert fit.loc["A", "guided_land_ha"] == pytest.approx(150.0)
    assert fit.loc["A", "guided_land_fit_share"] == pytest.approx(100 / 150)
    assert np.isnan(fit.loc["B", "guided_land_fit_share"])


def test_compare_lines_up_every_figure(tiny, tiny_scenario, standards):
    a = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE)
    b = scenario_indicators(tiny_scenario, standards=standards, guidance=GUIDANCE)
    table = compare_indicators(a, b)
    assert list(table.columns) == [
        "indicator",
        "park_id",
        "cluster",
        "label_zh",
        "label_en",
        "unit",
        "value_a",
        "value_b",
        "difference",
        "relative_change",
    ]
    assert len(table) == len(a.table()) and not table["label_zh"].isna().any()
    assert set(table["indicator"]) <= set(INDICATORS)
    assert set(HEADLINE_INDICATORS) <= set(table["indicator"])
    km2 = row(table, indicator="supply_km2_area_ha", park_id=DISTRICT)
    assert (km2["value_a"], km2["value_b"], km2["difference"]) == pytest.approx((0, 150, 150))
    assert km2["unit"] == "ha" and km2["cluster"] == ALL_CLUSTERS
    assert np.isnan(km2["relative_change"])  # from zero
    gfa = row(table, indicator="gfa_max_m2", park_id="A")
    assert gfa["difference"] == pytest.approx(3_500_000)
    assert gfa["relative_change"] == pytest.approx(1.0)
    assert gfa["label_zh"] == "容量（最大建筑面积）"
    unchanged = row(table, indicator="gfa_max_m2", park_id="B")
    assert unchanged["difference"] == 0.0
    potential = row(table, indicator="potential_km2_area_ha", park_id=DISTRICT)
    assert potential["difference"] == 0.0  # released land was potential already


def test_same_layers_compare_to_zero_and_settings_must_match(tiny, standards):
    a = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE)
    table = compare_indicators(a, a)
    assert (table["difference"].fillna(0.0) == 0.0).all()
    other = scenario_indicators(tiny, standards=standards, guidance=GUIDANCE, tolerance_m=5.0)
    with pytest.raises(InputError, match="不能直接比较"):
        compare_indicators(a, other)


def test_bad_parameters(tiny):
    with pytest.raises(InputError, match="无法识别"):
        scenario_indicators(tiny, guidance=GUIDANCE, statuses=["demolished"])
    with pytest.raises(InputError, match="far_mode"):
        scenario_indicators(tiny, guidance=GUIDANCE, far_mode="max")
    with pytest.raises(InputError, match="没有地块图层"):
        scenario_indicators(LayerSet())


def test_parcel_capacity_marks_and_modes(tiny, standards):
    marked = tiny.parcels.assign(highrise=[False, False, False, True])
    result = parcel_capacity(marked, standards).set_index("parcel_id")
    assert result["redeveloped"].tolist() == [True, False, True, True]
    # P4 (1 ha built, marked): upper 5.25 → 52,500 m² where its 20,000 m² stand.
    assert result.loc["P4", "gfa_max_m2"] == pytest.approx(52_500)
    assert result.loc["P1", "far_allowed"] == pytest.approx(3.5)
    assert result.loc["P4", "far_allowed"] == pytest.approx(5.25)


# --- the demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_comparison() -> pd.DataFrame:
    demo = load_demo()
    parcels = demo.parcels
    gaoxin = parcels.loc[
        (parcels["pocket"] == "gaoxin_south_pocket") & (parcels["status"] == "low_efficiency"),
        "parcel_id",
    ]
    longtian = parcels.loc[parcels["pocket"] == "longtian_north", "parcel_id"]
    scenario = (
        sc.new_scenario("高新南工业上楼，释放龙田北")
        .with_edit(sc.set_attributes(gaoxin, highrise=True))
        .with_edit(sc.set_attributes(longtian, status="available"))
    )
    applied = sc.apply(scenario, demo)
    assert applied.problems == ()
    return compare_indicators(scenario_indicators(demo), scenario_indicators(applied.layers))


def test_demo_scenario_gains_km_scale_released_land(demo_comparison):
    t = demo_comparison
    supply = row(t, indicator="supply_km2_area_ha", park_id=DISTRICT)
    # The whole 龙田北 pocket (≈ 1.4 km²) becomes one released km-scale block.
    assert supply["value_a"] == 0.0
    assert 120.0 <= supply["difference"] <= 160.0
    assert row(t, indicator="supply_km2_block_count", park_id=DISTRICT)["difference"] == 1
    assert row(t, indicator="supply_m_eff_ha", park_id=DISTRICT)["difference"] > 10.0
    # Nothing new became potential: the pockets were counted as potential before.
    assert row(t, indicator="potential_km2_area_ha", park_id=DISTRICT)["difference"] == 0.0


def test_demo_scenario_gains_floor_space_in_gaoxin_south_only(demo_comparison):
    t = demo_comparison
    gfa = t[(t["indicator"] == "gfa_max_m2")].set_index("park_id")["difference"]
    assert gfa["gaoxin_south"] > 1_000_000  # 工业上楼 on the pocket: base → upper FAR
    assert gfa[NO_GROUP] > 0  # 龙田北 lies outside the parks; its reserve is now built
    for park in ("jinsha_bihu", "gaoxin_north", "corridor"):
        assert gfa[park] == 0.0
    assert gfa[DISTRICT] == pytest.approx(gfa.drop(DISTRICT).sum())
    fit = t[t["indicator"] == "fit_share_count"]
    assert (fit["difference"] == 0.0).all()  # no enterprise moved


def test_capacity_page_and_scenario_indicators_use_one_rule(standards):
    """The 工业上楼容量 page's default (rule_capacity with REDEVELOP_RULE) and the scenario
    indicators give the same baseline increment, by one named rule."""
    demo = load_demo()
    indicators = scenario_indicators(demo, standards=standards)
    assert indicators.settings["redevelop_statuses"] == REDEVELOP_RULE.statuses
    assert indicators.settings["far_mode"] == REDEVELOP_RULE.far_mode
    assert indicators.settings["highrise_far_mode"] == REDEVELOP_RULE.highrise_far_mode
    page = capacity_summary(rule_capacity(demo.parcels, standards), standards=standards)
    district = indicators.capacity.set_index("park_id").loc[DISTRICT]
    assert page["gfa_increment_m2"].sum() == pytest.approx(district["gfa_increment_m2"])
    assert page["gfa_max_m2"].sum() == pytest.approx(district["gfa_max_m2"])
    # The rule reads: released land and low-efficiency land at the base FAR.
    assert set(REDEVELOP_RULE.statuses) == {"low_efficiency", "available"}
    assert REDEVELOP_RULE.description_zh and REDEVELOP_RULE.description_en
