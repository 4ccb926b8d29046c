"""工业上楼 massing: hand-computed envelopes of a square parcel, heights from the bands,
footprints inside their parcels (property), bad input."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.capacity import floor_capacity
from analysis.massing import (
    EXISTING,
    MASS_COLUMNS,
    NEW,
    band_fits,
    building_envelopes,
    inward_footprints,
    stacked_height_m,
)
from analysis.standards import Standards, load_standards
from geo.crs import to_metric_geometries
from geo.errors import InputError

HA = 10_000.0


@pytest.fixture(scope="module")
def far4() -> Standards:
    """M1 at exactly FAR 4.0, 50 % coverage, no plot-size correction, 100 m cap."""
    return (
        load_standards()
        .without_plot_size_correction()
        .with_far_rule(
            "M1",
            base_by_zone={z: 4.0 for z in range(1, 6)},
            upper_factor=1.0,
            upper_cap=4.0,
            coverage=0.5,
        )
        .with_height_cap(100.0)
    )


def _square(x0: float = 536_000.0, side_m: float = 100.0, **columns) -> gpd.GeoDataFrame:
    data = {
        "parcel_id": ["T0"],
        "park_id": ["gaoxin_south"],
        "status": ["low_efficiency"],
        "land_use": ["M1"],
        "area_m2": [side_m * side_m],
        "gfa_current_m2": [HA],
        "density_zone": [3],
    }
    data.update({k: [v] for k, v in columns.items()})
    geom = shapely.box(x0, 2_511_000.0, x0 + side_m, 2_511_000.0 + side_m)
    return gpd.GeoDataFrame(data, geometry=[geom], crs="EPSG:4547").to_crs("EPSG:4326")


def _metric(frame: gpd.GeoDataFrame) -> np.ndarray:
    return to_metric_geometries(frame.geometry.to_numpy(), frame.crs)


def test_square_at_half_coverage_is_a_centred_square_of_half_the_area(far4: Standards) -> None:
    parcel = _square()
    env = building_envelopes(floor_capacity(parcel, far4), far4)
    new = env[env["mass"] == NEW]
    footprint = _metric(new.iloc[[0]])[0]
    # (100 − 2d)² = 5,000 → side √5000 = 70.71 m, d = 14.64 m on every side.
    assert footprint.area == pytest.approx(5_000.0, rel=1e-3)
    minx, miny, maxx, maxy = footprint.bounds
    side = np.sqrt(5_000.0)
    assert maxx - minx == pytest.approx(side, abs=0.05)
    assert maxy - miny == pytest.approx(side, abs=0.05)
    assert minx - 536_000.0 == pytest.approx((100.0 - side) / 2, abs=0.05)
    assert _metric(parcel)[0].buffer(1e-6).contains(footprint)
    assert new["footprint_m2"].to_numpy() == pytest.approx([5_000.0] * 3, rel=1e-3)


def test_heights_come_from_the_bands(far4: Standards) -> None:
    cap = floor_capacity(_square(), far4)
    env = building_envelopes(cap, far4)
    new = env[env["mass"] == NEW].set_index("band")
    # 40,000 m² on 5,000 m²: 8 floors = ground 8 m, 3 × 6 m, 4 × 4.5 m.
    assert list(new.index) == ["ground", "low", "std"]
    assert new["floors"].tolist() == [1.0, 3.0, 4.0]
    assert new["base_m"].tolist() == [0.0, 8.0, 26.0]
    assert new["height_m"].tolist() == [8.0, 26.0, 44.0]
    assert new["thickness_m"].tolist() == [8.0, 18.0, 18.0]
    assert new["gfa_m2"].tolist() == pytest.approx([5_000.0, 15_000.0, 20_000.0])
    assert new["height_m"].max() == cap["height_m"].iloc[0]
    assert new.loc["ground", "load_t_m2"] == 2.0


def test_existing_mass_is_the_current_gfa_stacked_on_the_template(far4: Standards) -> None:
    # 12,500 m² on a 5,000 m² footprint: 2.5 floors = 8 m + 1.5 × 6 m = 17 m.
    env = building_envelopes(floor_capacity(_square(gfa_current_m2=12_500.0), far4), far4)
    old = env[env["mass"] == EXISTING].iloc[0]
    assert old["floors"] == pytest.approx(2.5)
    assert old["base_m"] == 0.0
    assert old["height_m"] == pytest.approx(17.0)
    assert old["gfa_m2"] == 12_500.0
    assert (
        building_envelopes(floor_capacity(_square(), far4), far4, include_existing=False)["mass"]
        .eq(NEW)
        .all()
    )


def test_a_partly_built_top_floor_counts_whole(far4: Standards) -> None:
    # FAR 4 at 45 % coverage: 40,000 / 4,500 = 8.9 floors → 9 floors, top band 5 floors.
    std = far4.with_far_rule("M1", coverage=0.45)
    env = building_envelopes(floor_capacity(_square(), std), std)
    top = env[(env["mass"] == NEW) & (env["band"] == "std")].iloc[0]
    assert top["floors"] == 5.0
    assert top["height_m"] == 26.0 + 5 * 4.5


def test_parcels_not_redeveloped_get_no_mass(far4: Standards) -> None:
    cap = floor_capacity(_square(status="built"), far4)
    env = building_envelopes(cap, far4)
    assert len(env) == 0
    assert list(env.columns) == [*MASS_COLUMNS, "geometry"]


def test_band_fits_follow_the_suitability_table() -> None:
    std = load_standards()
    fits = band_fits(std)
    # Whole-vehicle assembly stays on the ground floor (max_band ground in highrise.yaml).
    assert "car:vehicle_assembly" in fits["ground"]
    assert "car:vehicle_assembly" not in fits["low"]
    assert "car:vehicle_assembly" not in fits["std"]


def test_stacked_height_of_fractional_floors() -> None:
    std = load_standards()
    assert stacked_height_m(np.array([0.0, 1.0, 0.5, 4.0, 6.0]), std).tolist() == [
        0.0,
        8.0,
        4.0,
        26.0,
        35.0,
    ]


def test_bad_input_is_refused() -> None:
    with pytest.raises(InputError, match="容量"):
        building_envelopes(_square(), load_standards())
    with pytest.raises(InputError, match="覆盖率"):
        inward_footprints(np.array([shapely.box(0, 0, 1, 1)]), np.array([1.5]))


def _polygon(seed_points: list[tuple[float, float]]) -> shapely.Geometry:
    return shapely.MultiPoint(seed_points).convex_hull


@settings(max_examples=60, deadline=None)
@given(
    points=st.lists(
        st.tuples(st.floats(0, 300), st.floats(0, 300)), min_size=3, max_size=12, unique=True
    ),
    notch=st.booleans(),
    coverage=st.floats(0.05, 1.0),
)
def test_footprint_lies_inside_and_has_the_coverage(points, notch, coverage) -> None:
    poly = _polygon(points)
    if notch and poly.area > 0:
        # A non-convex parcel: cut a corner notch out of the hull.
        minx, miny, maxx, maxy = poly.bounds
        poly = poly.difference(
            shapely.box(minx, miny, (minx + maxx) / 2, (miny + maxy) / 2)
        ).buffer(0)
    assume(poly.geom_type in ("Polygon", "MultiPolygon") and poly.area >= 100.0)
    out = inward_footprints(np.array([poly], dtype=object), np.array([coverage]))[0]
    assert out.area == pytest.approx(coverage * poly.area, rel=1e-3)
    assert poly.buffer(1e-6).contains(out)


# ------------------------------------------------------------------ the capacity page (AppTest)


def test_capacity_page_draws_the_envelopes_without_a_basemap_and_exports_them():
    import json

    from tests.app_harness import app
    from ui.massing_view import NO_BASEMAP

    with app("ui/capacity_page.py", timeout=240) as (at, _):
        assert not at.exception, at.exception
        decks = at.get("deck_gl_json_chart")
        assert len(decks) == 1
        spec = json.loads(decks[0].proto.json)
        assert spec["mapStyle"] == NO_BASEMAP and "mapProvider" not in spec
        records = spec["layers"][0]["data"]
        assert records and all(len(r["polygon"][0]) == 3 for r in records)
        assert {r["band"] for r in records} >= {"首层", "现状建筑面积"}
        assert "{floors}" in json.loads(decks[0].proto.tooltip)["text"]
        envelopes = at.session_state["results"]["massing_envelopes"][1]
        assert {"height_m", "base_m", "band"} <= set(envelopes.columns)
        assert (envelopes["height_m"] >= envelopes["base_m"]).all()
        # Colouring by one cluster: bands that do not suit it turn pale.
        at.selectbox(key="capacity_massing_color_zh").set_value("car:vehicle_assembly").run()
        spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        upper = [r for r in spec["layers"][0]["data"] if r["band"].startswith("标准层")]
        assert upper and all(r["color"][3] < 100 for r in upper)
        # In English the section, its options and its tooltips carry no Chinese.
        at.session_state["lang"] = "en"
        at.run()
        assert not at.exception, at.exception
        spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
        cjk = re.compile(r"[\u4e00-\u9fff]")
        shown = [
            *[h.value for h in at.subheader if "3D" in h.value],
            *at.selectbox(key="capacity_massing_camera_en").options,
            *at.selectbox(key="capacity_massing_color_en").options,
            *[r["band"] for r in spec["layers"][0]["data"]],
            json.loads(at.get("deck_gl_json_chart")[0].proto.tooltip)["text"],
        ]
        assert shown[0] == "High-rise industry in 3D"
        assert not [text for text in shown if cjk.search(text)]


def test_envelopes_export_as_geojson_with_heights(far4: Standards) -> None:
    import json

    from geo.io import write_geojson

    env = building_envelopes(floor_capacity(_square(), far4), far4)
    features = json.loads(write_geojson(env))["features"]
    props = [f["properties"] for f in features]
    assert [(p["band"], p["base_m"], p["height_m"]) for p in props[:3]] == [
        ("ground", 0.0, 8.0),
        ("low", 8.0, 26.0),
        ("std", 26.0, 44.0),
    ]
    assert props[3]["mass"] == EXISTING
    assert all(f["geometry"]["type"] == "Polygon" for f in features)


def test_deck_records_stack_the_bands_and_colour_them(far4: Standards) -> None:
    from ui.maps import BAND_COLORS, EXISTING_COLOR, UNSUITED_COLOR
    from ui.massing_view import deck_records

    env = building_envelopes(floor_capacity(_square(), far4), far4)
    records = deck_records(env, band_labels={"ground": "G"}, existing_label="E")
    assert [r["band"] for r in records] == ["G", "low", "std", "E"]
    assert [r["polygon"][0][2] for r in records] == [0.0, 8.0, 26.0, 0.0]
    # Existing 10,000 m² on 5,000 m²: 2 floors = 8 m + 6 m.
    assert [r["thickness_m"] for r in records] == [8.0, 18.0, 18.0, 14.0]
    assert [r["color"] for r in records[:3]] == [
        BAND_COLORS["ground"],
        BAND_COLORS["low"],
        BAND_COLORS["std"],
    ]
    assert records[3]["color"] == EXISTING_COLOR
    assert records[2]["gfa_wan"] == "2.00" and records[2]["floors"] == "4"
    # Whole-vehicle assembly suits the ground floor only.
    by_cluster = deck_records(env, color_by="car:vehicle_assembly", show_existing=False)
    assert len(by_cluster) == 3
    assert by_cluster[0]["color"] != UNSUITED_COLOR
    assert by_cluster[1]["color"] == by_cluster[2]["color"] == UNSUITED_COLOR


def test_camera_presets_frame_the_district_and_each_park(far4: Standards) -> None:
    from ui.massing_view import camera_presets

    two = _square().assign(park_id="gaoxin_south")
    other = _square(x0=540_000.0).assign(park_id="jinsha_bihu", parcel_id="T1")
    both = building_envelopes(floor_capacity(pd.concat([two, other]), far4), far4)
    presets = camera_presets(both, {"gaoxin_south": "高新南"}, "全部")
    assert list(presets) == ["全部", "高新南", "jinsha_bihu"]
    # One 100 m parcel frames closer than two parcels 4 km apart.
    assert presets["高新南"]["zoom"] > presets["全部"]["zoom"]
    assert presets["高新南"]["longitude"] < presets["全部"]["longitude"]
    assert presets["全部"]["longitude"] < presets["jinsha_bihu"]["longitude"]
