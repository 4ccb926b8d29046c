"""Known-answer tests of the bureau's questions: off-guidance firms, firms around an anchor,
findings in words, and the year-by-year comparison, on small hand-made layers (EPSG:4547)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from analysis.colocation import (
    CLOSED,
    COLOCATED,
    MOVED,
    NEW,
    NOT_SIGNIFICANT,
    OTHER_ROLE,
    SAME_CLUSTER,
    STAYED,
    SUPPLIER,
    change_findings,
    cluster_park_change,
    findings,
    firms_around,
    fit_change,
    is_significant,
    match_firms,
    off_guidance_firms,
    off_guidance_totals,
)
from geo.errors import InputError

X0, Y0 = 535_000.0, 2_511_000.0  # near 坪山, EPSG:4547 metres


def parks_layer() -> gpd.GeoDataFrame:
    """金沙-碧湖 (guides pharma, car, chip) on 0–1000 m, 高新北 (car, equipment) on 3000–4000 m."""
    return gpd.GeoDataFrame(
        {"park_id": ["jinsha_bihu", "gaoxin_north"], "name": ["金沙-碧湖", "高新北"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0 + 3000, Y0, X0 + 4000, Y0 + 1000)],
        crs="EPSG:4547",
    )


def firms(rows, **extra) -> gpd.GeoDataFrame:
    """rows: (ent_id, name, cluster, x_m, y_m, output) relative to (X0, Y0)."""
    data = {
        "ent_id": [r[0] for r in rows],
        "name": [r[1] for r in rows],
        "cluster": [r[2] for r in rows],
        "output_10k_cny": [float(r[5]) for r in rows],
        "is_above_scale": [r[5] >= 2000 for r in rows],
        **extra,
    }
    geometry = [Point(X0 + r[3], Y0 + r[4]) for r in rows]
    return gpd.GeoDataFrame(data, geometry=geometry, crs="EPSG:4547")


# --------------------------------------------------------------------------- off guidance


OFF_ROWS = [
    ("f1", "车企", "car", 500, 500, 3000),  # guided in 金沙-碧湖
    ("f2", "装备甲", "equipment", 200, 500, 2500),  # not guided there; 高新北 2800 m away
    ("f3", "装备乙", "equipment", 2000, 500, 800),  # outside; 高新北 1000 m away
    ("f4", "家具厂", "traditional", 2000, 2000, 500),  # outside; guided nowhere
    ("f5", "药企", "pharma", 3500, 500, 4000),  # in 高新北; 金沙-碧湖 2500 m away
    ("f6", "车企乙", "car", 3100, 100, 1000),  # guided in 高新北
]


@pytest.mark.parametrize("with_park_ids", [False, True])
def test_off_guidance_lists_every_firm_not_guided_where_it_sits(with_park_ids):
    layer = firms(OFF_ROWS)
    if with_park_ids:
        layer["park_id"] = [
            "jinsha_bihu",
            "jinsha_bihu",
            None,
            None,
            "gaoxin_north",
            "gaoxin_north",
        ]
    table = off_guidance_firms(layer, parks_layer())
    assert list(table["ent_id"]) == ["f2", "f3", "f4", "f5"]
    assert list(table.index) == [1, 2, 3, 4]
    assert list(table["park_id"]) == ["jinsha_bihu", None, None, "gaoxin_north"]
    assert list(table["nearest_park_id"]) == ["gaoxin_north", "gaoxin_north", None, "jinsha_bihu"]
    np.testing.assert_allclose(
        table["nearest_park_distance_m"], [2800.0, 1000.0, np.nan, 2500.0], atol=1e-6
    )
    assert list(table["output_10k_cny"]) == [2500.0, 800.0, 500.0, 4000.0]
    assert list(table["is_above_scale"]) == [True, False, False, True]


def test_off_guidance_distance_is_zero_inside_a_guiding_zone():
    parks = parks_layer()
    belt = gpd.GeoDataFrame(
        {"park_id": ["corridor"], "name": ["产业带"], "kind": ["corridor"]},
        geometry=[box(X0 - 500, Y0 - 500, X0 + 5000, Y0 + 200)],
        crs="EPSG:4547",
    )
    parks = pd.concat([parks.assign(kind="park"), belt], ignore_index=True)
    # An AI firm in 金沙-碧湖 where the belt overlaps it: it belongs to the park (which does
    # not guide AI), and the belt that guides AI is 0 m away.
    layer = firms([("a1", "终端", "ai", 500, 100, 100), ("a2", "终端乙", "ai", 2000, 100, 1)])
    table = off_guidance_firms(layer, parks)
    assert list(table["park_id"]) == ["jinsha_bihu"]
    assert table["nearest_park_id"].tolist() == ["corridor"]
    assert table["nearest_park_distance_m"].tolist() == [0.0]


def test_off_guidance_totals_per_cluster_and_park():
    totals = off_guidance_totals(off_guidance_firms(firms(OFF_ROWS), parks_layer()))
    got = {
        (r.cluster, r.park_id): (r.n_firms, r.n_above_scale, r.output_10k_cny)
        for r in totals.itertuples()
    }
    assert got == {
        ("equipment", "jinsha_bihu"): (1, 1, 2500.0),
        ("equipment", None): (1, 0, 800.0),
        ("traditional", None): (1, 0, 500.0),
        ("pharma", "gaoxin_north"): (1, 1, 4000.0),
    }


def test_off_guidance_names_a_park_without_guidance():
    parks = parks_layer()
    parks.loc[1, "park_id"] = "nowhere"
    with pytest.raises(InputError) as err:
        off_guidance_firms(firms(OFF_ROWS), parks)
    assert "nowhere" in err.value.zh and "nowhere" in err.value.en


# --------------------------------------------------------------------------- rings


RING_ROWS = [
    ("byd", "比亚迪", "car", 0, 0, 9_000_000),
    ("c1", "车配", "car", 300, 400, 3000),  # 500 m, same cluster
    ("e1", "精密件", "equipment", 0, 2000, 1500),  # 2000 m, supplier of car
    ("p1", "药企", "pharma", 3000, 4000, 800),  # 5000 m exactly, not in the chain
    ("s1", "芯片", "chip", 6000, 0, 100),  # 6000 m, beyond the rings
]


def test_firms_around_lists_names_roles_rings_nearest_first():
    table = firms_around(firms(RING_ROWS), "byd", (1000, 3000, 5000))
    assert list(table["name"]) == ["车配", "精密件", "药企"]
    assert list(table["role"]) == [SAME_CLUSTER, SUPPLIER, OTHER_ROLE]
    np.testing.assert_allclose(table["distance_m"], [500.0, 2000.0, 5000.0], atol=1e-6)
    assert list(table["ring_m"]) == [1000.0, 3000.0, 5000.0]
    assert list(table["output_10k_cny"]) == [3000.0, 1500.0, 800.0]
    assert list(table.index) == [1, 2, 3]


def test_firms_around_any_firm_and_bad_input():
    table = firms_around(firms(RING_ROWS), "e1", [1000])
    assert table.empty
    table = firms_around(firms(RING_ROWS), "e1", [2000])
    # equipment's suppliers are chip and ai: the car firms are "other".
    assert list(table["ent_id"]) == ["c1", "byd"] and set(table["role"]) == {OTHER_ROLE}
    with pytest.raises(InputError, match="nope"):
        firms_around(firms(RING_ROWS), "nope")
    with pytest.raises(InputError):
        firms_around(firms(RING_ROWS), "byd", [0])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)), min_size=1, max_size=25))
def test_rings_hold_exactly_the_firms_within_the_radius(offsets):
    rows = [("a0", "中心", "car", 0, 0, 1)] + [
        (f"x{i}", f"企业{i}", "chip", dx, dy, 1) for i, (dx, dy) in enumerate(offsets)
    ]
    table = firms_around(firms(rows), "a0", (1000, 2500))
    expect = {f"x{i}" for i, (dx, dy) in enumerate(offsets) if math.hypot(dx, dy) <= 2500}
    assert set(table["ent_id"]) == expect
    assert (table["distance_m"].diff().dropna() >= 0).all()
    assert ((table["ring_m"] == 1000) == (table["distance_m"] <= 1000)).all()


# --------------------------------------------------------------------------- findings


def clq_table():
    return pd.DataFrame(
        {
            "category_a": ["chip", "chip", "car", "pharma"],
            "category_b": ["chip", "ai", "pharma", "ai"],
            "clq": [3.0, 1.42, 1.8, 0.5],
            "p_value": [0.01, 0.01, 0.2, 0.3],
            "colocation_type": [COLOCATED, COLOCATED, NOT_SIGNIFICANT, NOT_SIGNIFICANT],
        }
    )


def test_significance_rule_is_the_analysis_classification():
    assert is_significant(clq_table()["colocation_type"]).tolist() == [True, True, False, False]


def test_findings_state_a_significant_pair_and_a_non_significant_one():
    lq = pd.DataFrame(
        {"energy": [0.5, 2.4], "chip": [1.3, 0.9]},
        index=pd.Index(["gaoxin_north", "gaoxin_south"], name="park_id"),
    )
    names = {"gaoxin_north": ("高新北", "Gaoxin North"), "gaoxin_south": ("高新南", "Gaoxin South")}
    fit = pd.DataFrame(
        {"park_id": ["gaoxin_north", "gaoxin_south"], "fit_share_count": [0.45, 0.7]}
    )
    off = pd.DataFrame({"park_id": ["gaoxin_north", None, None]})
    out = findings(clq_table(), lq, fit=fit, off_guidance=off, park_names=names, lq_by_output=True)
    assert list(out["kind"]) == [
        "pair",
        "pair",
        "pair",
        "concentration",
        "concentration",
        "fit",
        "off_guidance",
    ]
    # The self pair chip→chip is left out; the significant pair comes first, then the
    # non-significant ones, co-located before isolated.
    assert (
        out["zh"][0]
        == "半导体与集成电路企业周边的人工智能与智能终端企业是随机分布的 1.4 倍（显著）"
    )
    assert out["zh"][1] == (
        "智能网联汽车企业周边的生物医药与高端医疗器械企业是随机分布的 1.8 倍（不显著，可能是偶然）"
    )
    assert out["zh"][2] == (
        "生物医药与高端医疗器械企业周边的人工智能与智能终端企业是随机分布的 0.5 倍（不显著，可能是偶然）"
    )
    assert list(out["significant"][:3]) == [True, False, False]
    assert out["en"][0].endswith("1.4 times as common as random placement would give (significant)")
    assert out["zh"][3] == "高新南的新能源产值区位熵 2.4，为全区最集中"
    assert out["zh"][4] == "高新北的半导体与集成电路产值区位熵 1.3"
    assert out["zh"][5] == "高新北的企业中 45% 属于规划导向集群，为各园区最低"
    assert out["zh"][6] == "3 家企业所在位置不是其集群的规划导向园区（其中 2 家在所有园区之外）"
    assert not any(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in out["en"])


def test_findings_without_test_say_so():
    clq = clq_table().assign(colocation_type=None, p_value=np.nan)
    out = findings(clq, None)
    assert (out["kind"] == "pair").all() and not out["significant"].any()
    assert all(s.endswith("（未检验显著性）") for s in out["zh"])


# --------------------------------------------------------------------------- year by year


def year_pair():
    earlier = firms(
        [
            ("A", "甲公司", "car", 10, 10, 100),
            ("B", "乙公司", "chip", 100, 100, 50),
            ("C", "丙公司", "equipment", 200, 10, 70),
            ("D", "丁公司", "car", 300, 300, 80),
            ("E", "戊厂", "pharma", 500, 500, 10),
        ],
        credit_code=["C1", "C2", "C3", "C4", None],
    )
    later = firms(
        [
            ("A", "甲公司", "car", 10, 10, 100),
            ("C", "丙公司", "equipment", 3500, 500, 90),
            ("D2", "丁科技", "car", 330, 300, 120),
            ("E", " 戊厂 ", "pharma", 500, 500, 12),
            ("F", "己公司", "car", 3200, 200, 40),
        ],
        credit_code=["C1", "C3", "C4", "", "C6"],
    )
    return earlier, later


def test_match_firms_new_closed_moved_renamed():
    earlier, later = year_pair()
    table = match_firms(earlier, later, parks_layer(), moved_m=100)
    assert list(table["name"]) == ["甲公司", "丙公司", "丁科技", " 戊厂 ", "己公司", "乙公司"]
    assert list(table["change"]) == [STAYED, MOVED, STAYED, STAYED, NEW, CLOSED]
    assert list(table["renamed"]) == [False, False, True, False, False, False]
    assert table["name_before"][2] == "丁公司"
    np.testing.assert_allclose(
        table["distance_m"], [0.0, math.hypot(3300, 490), 30.0, 0.0, np.nan, np.nan], atol=1e-6
    )
    assert list(table["park_before"]) == ["jinsha_bihu"] * 4 + [None, "jinsha_bihu"]
    assert list(table["park_after"]) == [
        "jinsha_bihu",
        "gaoxin_north",
        "jinsha_bihu",
        "jinsha_bihu",
        "gaoxin_north",
        None,
    ]
    np.testing.assert_allclose(table["output_change_10k_cny"], [0, 20, 40, 2, np.nan, np.nan])


def test_cluster_park_change_counts_output_and_lq():
    earlier, later = year_pair()
    parks = parks_layer()
    table = cluster_park_change(earlier, later, parks).set_index(["cluster", "park_id"])
    assert table.loc[("car", "jinsha_bihu"), ["n_before", "n_after"]].tolist() == [2, 2]
    assert table.loc[("car", "jinsha_bihu"), "output_change_10k_cny"] == 40.0
    assert table.loc[("chip", "jinsha_bihu"), "n_change"] == -1
    assert table.loc[("equipment", "gaoxin_north"), "n_change"] == 1
    # Before, every firm is in 金沙-碧湖: every LQ is 1. After, 5 firms: car 3, pharma 1,
    # equipment 1; 金沙-碧湖 holds car 2 + pharma 1, 高新北 equipment 1 + car 1.
    assert table.loc[("car", "jinsha_bihu"), "lq_before"] == pytest.approx(1.0)
    assert table.loc[("car", "jinsha_bihu"), "lq_after"] == pytest.approx((2 / 3) / (3 / 5))
    assert table.loc[("pharma", "jinsha_bihu"), "lq_change"] == pytest.approx(5 / 3 - 1)
    assert table.loc[("equipment", "gaoxin_north"), "lq_after"] == pytest.approx(2.5)
    assert math.isnan(table.loc[("equipment", "gaoxin_north"), "lq_before"])
    assert table.loc[("equipment", "jinsha_bihu"), "lq_after"] == 0.0
    assert table["n_before"].sum() == 5 and table["n_after"].sum() == 5


def test_fit_change_per_park():
    earlier, later = year_pair()
    table = fit_change(earlier, later, parks_layer()).set_index("park_id")
    assert table.loc["jinsha_bihu", "fit_share_count_before"] == pytest.approx(0.8)
    assert table.loc["jinsha_bihu", "fit_share_count_after"] == pytest.approx(1.0)
    assert table.loc["jinsha_bihu", "fit_share_count_change"] == pytest.approx(0.2)
    assert table.loc["gaoxin_north", ["n_before", "n_after"]].tolist() == [0, 2]


def test_change_findings_name_growth_and_decline():
    earlier, later = year_pair()
    table = cluster_park_change(earlier, later, parks_layer())
    names = {
        "jinsha_bihu": ("金沙-碧湖", "Jinsha-Bihu"),
        "gaoxin_north": ("高新北", "Gaoxin North"),
    }
    out = change_findings(table, names, top=2)
    assert list(out["kind"]) == ["grew", "grew", "shrank", "shrank"]
    grew = set(out["zh"][:2])
    assert grew == {
        "高新北的高端装备与精密零部件企业增加 1 家（0 → 1）",
        "高新北的智能网联汽车企业增加 1 家（0 → 1）",
    }
    assert set(out["zh"][2:]) == {
        "金沙-碧湖的半导体与集成电路企业减少 1 家（1 → 0，产值 -100%）",
        "金沙-碧湖的高端装备与精密零部件企业减少 1 家（1 → 0，产值 -100%）",
    }
    assert "Gaoxin North: intelligent connected vehicles gained 1 firm (0 → 1)" in set(out["en"])


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.booleans(), min_size=1, max_size=12),
    st.lists(st.booleans(), min_size=1, max_size=12),
    st.lists(st.floats(0, 500), min_size=12, max_size=12),
)
def test_every_firm_of_either_year_is_listed_once(in_before, in_after, shift_m):
    """Firms i < n carry credit code Ci; a firm in both lists is matched whatever its name,
    moved exactly when it is more than 100 m from its earlier point."""
    n = min(len(in_before), len(in_after))
    before = [i for i in range(n) if in_before[i]]
    after = [i for i in range(n) if in_after[i]]
    if not before or not after:
        return
    earlier = firms(
        [(f"e{i}", f"甲{i}", "car", 10 * i, 0, 1) for i in before],
        credit_code=[f"C{i}" for i in before],
    )
    later = firms(
        [(f"l{i}", f"乙{i}", "car", 10 * i + shift_m[i], 0, 1) for i in after],
        credit_code=[f"C{i}" for i in after],
    )
    table = match_firms(earlier, later, moved_m=100)
    assert sorted(table["key"]) == sorted({f"cc:C{i}" for i in before + after})
    expect = {}
    for i in set(before) | set(after):
        if i not in before:
            expect[f"cc:C{i}"] = NEW
        elif i not in after:
            expect[f"cc:C{i}"] = CLOSED
        else:
            expect[f"cc:C{i}"] = MOVED if shift_m[i] > 100 else STAYED
    assert dict(zip(table["key"], table["change"], strict=True)) == expect
    assert (table["renamed"] == table["change"].isin([MOVED, STAYED])).all()
