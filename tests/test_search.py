"""The map search (ui.search): parcel ids, parcel names and firm names, as a planner types
them, best matches first."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from layers.catalog import load_demo
from ui.search import MAX_MATCHES, find_features, fold

DEMO = load_demo()


@pytest.fixture
def small():
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["PS001", "PS0010", "AB-7"],
            "name": ["高新南整备片区-001", None, "Ｔｅｓｔ 地块"],
        },
        geometry=[box(114.40, 22.68, 114.41, 22.69), box(0, 0, 1, 1), box(1, 1, 2, 2)],
        crs="EPSG:4326",
    )
    firms = gpd.GeoDataFrame(
        {"ent_id": ["E1", "E2"], "name": ["比亚迪汽车", "Sino BYD Parts"]},
        geometry=[Point(114.37, 22.72), Point(114.38, 22.73)],
        crs="EPSG:4326",
    )
    return parcels, firms


def test_blank_query_finds_nothing(small):
    assert find_features("", *small) == []
    assert find_features("   ", *small) == []


def test_parcel_id_exact_before_prefix(small):
    found = find_features("ps001", *small)
    assert [m.feature_id for m in found] == ["PS001", "PS0010"]
    assert [m.rank for m in found] == [0, 1]
    assert found[0].kind == "parcels"
    assert found[0].bounds == pytest.approx((114.40, 22.68, 114.41, 22.69))


def test_parcel_name_substring(small):
    found = find_features("整备", *small)
    assert [(m.feature_id, m.matched, m.rank) for m in found] == [("PS001", "name", 2)]
    assert found[0].label == "PS001 · 高新南整备片区-001"


def test_firm_name_any_case_and_full_width(small):
    assert [m.feature_id for m in find_features("byd", *small)] == ["E2"]
    assert [m.feature_id for m in find_features("比亚迪", *small)] == ["E1"]
    # full-width letters fold to ASCII (NFKC), both ways
    assert [m.feature_id for m in find_features("test", *small)] == ["AB-7"]
    assert [m.feature_id for m in find_features("ＢＹＤ", *small)] == ["E2"]
    point = find_features("比亚迪", *small)[0]
    assert point.kind == "enterprises"
    assert point.bounds == pytest.approx((114.37, 22.72, 114.37, 22.72))


def test_several_matches_parcels_before_firms_within_a_rank(small):
    parcels, firms = small
    firms = firms.assign(name=["PS001 仓储", "other"])
    found = find_features("PS001", parcels, firms)
    assert [(m.kind, m.feature_id) for m in found] == [
        ("parcels", "PS001"),
        ("parcels", "PS0010"),
        ("enterprises", "E1"),
    ]


def test_missing_layers_and_columns():
    assert find_features("x", None, None) == []
    no_names = gpd.GeoDataFrame({"parcel_id": ["X1"]}, geometry=[box(0, 0, 1, 1)])
    assert [m.name for m in find_features("x1", no_names)] == [""]


def test_fold():
    assert fold("  ＡＢｃ ") == "abc"


def test_demo_finds_gaoxinnan_and_caps_the_list():
    found = find_features("高新南", DEMO.parcels, DEMO.enterprises)
    assert len(found) == MAX_MATCHES
    assert all("高新南" in m.name for m in found)
    west, south, east, north = found[0].bounds
    assert 114.39 < west <= east < 114.42 and 22.67 < south <= north < 22.70
