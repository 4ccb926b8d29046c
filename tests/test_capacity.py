"""工业上楼 floor capacity: hand-computed cases, a known project, scenario modes, summaries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.capacity import (
    NO_GROUP,
    TOTAL,
    capacity_summary,
    cumulative_heights,
    floor_capacity,
    floor_table,
)
from analysis.standards import Standards, load_standards
from geo.errors import InputError
from layers.schema import INDUSTRIAL_LAND_USES

HA = 10_000.0


@pytest.fixture(scope="module")
def default() -> Standards:
    return load_standards()


@pytest.fixture(scope="module")
def far4(default: Standards) -> Standards:
    """Default band template; M1 allowed exactly FAR 4.0 everywhere; no plot-size correction;
    50 % coverage — the inputs of the hand-computed cases, independent of the FAR table."""
    return (
        default.without_plot_size_correction()
        .with_far_rule(
            "M1",
            base_by_zone={z: 4.0 for z in range(1, 6)},
            upper_factor=1.0,
            upper_cap=4.0,
            coverage=0.5,
        )
        .with_height_cap(100.0)
    )


def _parcels(n: int = 1, **columns) -> gpd.GeoDataFrame:
    """``n`` 100 m squares in 坪山 with the parcels columns; keyword arguments override."""
    x0 = 536_000.0 + 200.0 * np.arange(n)
    geoms = shapely.box(x0, 2_511_000.0, x0 + 100.0, 2_511_100.0)
    data = {
        "parcel_id": [f"T{i}" for i in range(n)],
        "park_id": ["gaoxin_south"] * n,
        "status": ["low_efficiency"] * n,
        "land_use": ["M1"] * n,
        "area_m2": [HA] * n,
        "far_current": [1.0] * n,
        "gfa_current_m2": [HA] * n,
        "density_zone": [3] * n,
        "highrise": [False] * n,
        "far_target": [np.nan] * n,
    }
    for key, value in columns.items():
        data[key] = value if isinstance(value, list) else [value] * n
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4547").to_crs("EPSG:4326")


# ---------------------------------------------------------------- hand-computed cases


def test_one_hectare_at_far_4_gives_eight_floors_and_the_band_split(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4).iloc[0]
    assert r["far_allowed"] == 4.0
    assert r["footprint_m2"] == 5_000.0
    assert r["gfa_max_m2"] == 40_000.0
    assert r["floors"] == 8
    assert r["height_m"] == 44.0  # 8 + 3 × 6 + 4 × 4.5
    assert (r["gfa_ground_m2"], r["gfa_low_m2"], r["gfa_std_m2"]) == (5_000.0, 15_000.0, 20_000.0)
    assert r["gfa_increment_m2"] == 30_000.0
    assert bool(r["redeveloped"]) and bool(r["highrise_form"]) and not bool(r["over_allowance"])


def test_a_30_m_cap_leaves_four_floors(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4, height_cap_m=30.0).iloc[0]
    assert r["floors"] == 4
    assert r["height_m"] == 26.0  # a fifth floor would reach 30.5 m
    assert r["gfa_max_m2"] == 20_000.0
    assert (r["gfa_ground_m2"], r["gfa_low_m2"], r["gfa_std_m2"]) == (5_000.0, 15_000.0, 0.0)
    assert not bool(r["highrise_form"])  # 26 m, 4 floors: not a high-rise


def test_the_cap_in_the_standards_object_acts_like_the_argument(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4.with_height_cap(30.0)).iloc[0]
    assert (r["floors"], r["gfa_max_m2"]) == (4, 20_000.0)


def test_a_front_end_fab_fits_only_the_ground_band(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4).iloc[0]
    assert r["gfa_fit_chip_fab_m2"] == 5_000.0 == r["gfa_ground_m2"]
    assert r["gfa_fit_car_vehicle_assembly_m2"] == 5_000.0
    assert r["gfa_fit_chip_m2"] == 40_000.0  # design / packaging: every floor
    assert r["gfa_fit_equipment_m2"] == 20_000.0  # ground + low bands
    table = floor_table(far4)
    assert table.loc[table["fit_chip_fab"], "floor"].tolist() == [1]


def test_a_parcel_already_at_far_5_has_no_increment_and_is_flagged(far4: Standards) -> None:
    r = floor_capacity(_parcels(far_current=5.0, gfa_current_m2=50_000.0), far4).iloc[0]
    assert r["gfa_increment_m2"] == 0.0
    assert bool(r["over_allowance"])
    assert r["gfa_max_m2"] == 40_000.0


def test_a_partial_top_floor_counts_its_gfa_and_a_whole_floor_of_height(
    far4: Standards,
) -> None:
    r = floor_capacity(
        _parcels(area_m2=HA, far_target=4.2),
        far4.with_far_rule("M1", upper_cap=6.0, upper_factor=1.5),
    ).iloc[0]
    # 42,000 m² = 8 full floors of 5,000 m² + 2,000 m² on the ninth.
    assert r["gfa_max_m2"] == pytest.approx(42_000.0)
    assert r["floors"] == 9
    assert r["height_m"] == 48.5
    assert r["gfa_std_m2"] == pytest.approx(22_000.0)


# ---------------------------------------------------------------- a known project


def test_pingshan_new_energy_vehicle_park_phase_1(default: Standards) -> None:
    """10.78 ha, 321,000 m² (FAR ≈ 2.98); 2.5 t/m² on floors 1–3 and 0.65 t/m² above,
    floors up to 10 m high: car parts may use floors 1–3 only."""
    project = default.with_bands(
        [
            {
                "key": "ground",
                "floors": [1, 1],
                "floor_height_m": 10.0,
                "load_t_m2": 2.5,
                "load_kn_m2": 25.0,
                "source": "坪山新能源汽车产业园一期",
            },
            {
                "key": "low",
                "floors": [2, 3],
                "floor_height_m": 8.0,
                "load_t_m2": 2.5,
                "load_kn_m2": 25.0,
                "source": "坪山新能源汽车产业园一期",
            },
            {
                "key": "std",
                "floors": [4, None],
                "floor_height_m": 5.0,
                "load_t_m2": 0.65,
                "load_kn_m2": 6.5,
                "source": "坪山新能源汽车产业园一期",
                "assumption": True,
            },
        ]
    )
    site = _parcels(
        area_m2=107_800.0, land_use="M1", density_zone=2, far_target=321_000.0 / 107_800.0
    )
    r = floor_capacity(site, project, coverage=0.3).iloc[0]
    assert r["far_allowed"] == pytest.approx(2.98, abs=0.005)
    assert r["gfa_max_m2"] == pytest.approx(321_000.0)
    assert r["floors"] == 10  # 321,000 / (0.3 × 107,800) = 9.93
    footprint = 0.3 * 107_800.0
    assert r["gfa_fit_car_m2"] == pytest.approx(3 * footprint)
    assert r["gfa_fit_car_vehicle_assembly_m2"] == pytest.approx(footprint)
    table = floor_table(project)
    assert table.loc[table["fit_car"], "floor"].tolist() == [1, 2, 3]


# ---------------------------------------------------------------- FAR rules


def test_far_mode_and_the_plot_size_correction(default: Standards) -> None:
    rule = default.far.rule("M1")
    five_ha = _parcels(area_m2=5 * HA, density_zone=3)
    upper = floor_capacity(five_ha, default).iloc[0]["far_allowed"]
    base = floor_capacity(five_ha, default, far_mode="base").iloc[0]["far_allowed"]
    assert (upper, base) == (rule.upper_by_zone[2], rule.base_by_zone[2])

    halved = default.with_plot_size(
        [
            {"min_ha": 0.0, "max_ha": 1.0, "correction": -0.5, "assumption": True},
            {"min_ha": 1.0, "max_ha": None, "correction": 0.2, "assumption": True},
        ]
    )
    r = floor_capacity(_parcels(2, area_m2=[0.5 * HA, 2 * HA]), halved, far_mode="base")
    assert r["far_allowed"].tolist() == pytest.approx([3.5 * 0.5, 3.5 * 1.2])
    r = floor_capacity(_parcels(2, area_m2=[0.5 * HA, 2 * HA]), halved)
    # In upper mode a positive correction cannot lift the FAR above the upper limit.
    assert r["far_allowed"].tolist() == pytest.approx([5.25 * 0.5, 5.25])


def test_a_target_far_is_honoured_but_capped_at_the_upper_limit(far4: Standards) -> None:
    r = floor_capacity(_parcels(2, far_target=[2.0, 9.0]), far4)
    assert r["far_allowed"].tolist() == [2.0, 4.0]
    assert r["gfa_max_m2"].tolist() == [20_000.0, 40_000.0]


def test_coverage_argument_overrides_the_table(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4, coverage=0.25).iloc[0]
    assert r["footprint_m2"] == 2_500.0
    assert r["floors"] == 16
    assert r["height_m"] == 8.0 + 3 * 6.0 + 12 * 4.5
    assert r["gfa_max_m2"] == 40_000.0


def test_a_cap_below_the_ground_floor_gives_nothing(far4: Standards) -> None:
    r = floor_capacity(_parcels(), far4, height_cap_m=7.0).iloc[0]
    assert (r["floors"], r["gfa_max_m2"], r["gfa_increment_m2"]) == (0, 0.0, 0.0)
    assert bool(r["over_allowance"])
    assert len(cumulative_heights(far4, 7.0)) == 0


# ---------------------------------------------------------------- scenario


def test_only_marked_parcels_are_redeveloped_by_default(far4: Standards) -> None:
    parcels = _parcels(
        5,
        status=["low_efficiency", "built", "built", "built", "available"],
        highrise=[False, True, False, False, False],
        far_target=[np.nan, np.nan, 3.0, np.nan, np.nan],
        gfa_current_m2=[HA, HA, HA, 12_345.0, 0.0],
    )
    r = floor_capacity(parcels, far4)
    assert r["redeveloped"].tolist() == [True, True, True, False, False]
    assert r["gfa_max_m2"].tolist() == [40_000.0, 40_000.0, 30_000.0, 12_345.0, 0.0]
    assert r["gfa_increment_m2"].tolist() == [30_000.0, 30_000.0, 20_000.0, 0.0, 0.0]
    assert r.loc[3, ["floors", "footprint_m2", "gfa_ground_m2", "gfa_fit_ai_m2"]].sum() == 0
    everything = floor_capacity(parcels, far4, redevelop="all")
    assert everything["redeveloped"].all()
    assert everything["gfa_max_m2"].tolist()[3:] == [40_000.0, 40_000.0]


def test_an_explicit_mask_is_aligned_on_the_index(far4: Standards) -> None:
    parcels = _parcels(3, status="built").set_index(pd.Index([10, 20, 30]))
    mask = pd.Series([True, False, False], index=[30, 10, 20])
    r = floor_capacity(parcels, far4, redevelop=mask)
    assert r["redeveloped"].tolist() == [False, False, True]
    assert floor_capacity(parcels, far4, redevelop=[True, False, True])["redeveloped"].tolist() == [
        True,
        False,
        True,
    ]


@pytest.mark.parametrize("bad", ["some", [True, False], [1, 0, "x"]])
def test_bad_redevelop_values_raise(far4: Standards, bad) -> None:
    with pytest.raises(InputError):
        floor_capacity(_parcels(3), far4, redevelop=bad)


def test_non_industrial_parcels_get_zeros(far4: Standards) -> None:
    parcels = _parcels(
        2,
        land_use=["other", "M1"],
        status=["low_efficiency", "non_industrial"],
        density_zone=[np.nan, np.nan],
    )
    r = floor_capacity(parcels, far4, redevelop="all")
    computed = [
        "far_allowed",
        "footprint_m2",
        "floors",
        "height_m",
        "gfa_max_m2",
        "gfa_increment_m2",
        "gfa_ground_m2",
        "gfa_fit_ai_m2",
    ]
    assert (r[computed].to_numpy() == 0).all()
    assert not r["redeveloped"].any() and not r["over_allowance"].any()


# ---------------------------------------------------------------- input handling


def test_area_comes_from_the_geometry_when_absent(far4: Standards) -> None:
    parcels = _parcels(2, area_m2=[np.nan, HA]).drop(columns=["gfa_current_m2"])
    r = floor_capacity(parcels, far4)
    assert r["area_m2"].to_numpy() == pytest.approx([HA, HA], rel=1e-6)
    assert r["gfa_current_m2"].to_numpy() == pytest.approx([HA, HA], rel=1e-6)
    assert r["gfa_max_m2"].to_numpy() == pytest.approx([40_000.0, 40_000.0], rel=1e-6)


def test_input_is_untouched_and_a_rerun_replaces_the_columns(far4: Standards) -> None:
    parcels = _parcels(2)
    before = parcels.copy()
    once = floor_capacity(parcels, far4)
    pd.testing.assert_frame_equal(parcels, before)
    assert isinstance(once, gpd.GeoDataFrame) and once.crs == parcels.crs
    twice = floor_capacity(once, far4)
    assert list(twice.columns) == list(once.columns)
    pd.testing.assert_frame_equal(twice, once)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda p: p.drop(columns=["density_zone"]), "density_zone"),
        (lambda p: p.drop(columns=["gfa_current_m2", "far_current"]), "gfa_current_m2"),
        (lambda p: p.assign(land_use="工业"), "land_use"),
        (lambda p: p.assign(status="vacant"), "status"),
        (lambda p: p.assign(density_zone=7), "density_zone"),
        (lambda p: p.assign(area_m2=-1.0), "area_m2"),
        (lambda p: p.assign(far_target=-2.0), "far_target"),
    ],
)
def test_bad_parcels_raise_input_error(far4: Standards, change, match: str) -> None:
    with pytest.raises(InputError, match=match) as err:
        floor_capacity(change(_parcels(2)), far4)
    assert "T0" in str(err.value) or match in ("density_zone", "gfa_current_m2")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"far_mode": "max"},
        {"coverage": 1.5},
        {"coverage": "half"},
        {"height_cap_m": -1.0},
        {"height_cap_m": 5_000.0},
    ],
)
def test_bad_arguments_raise_input_error(far4: Standards, kwargs) -> None:
    with pytest.raises(InputError):
        floor_capacity(_parcels(), far4, **kwargs)


# ---------------------------------------------------------------- properties

_PROPERTY_STANDARDS = load_standards().with_far_rule("M1", upper_cap=6.0)


@settings(max_examples=50, deadline=None)
@given(
    area=st.floats(min_value=100.0, max_value=500_000.0),
    far=st.floats(min_value=0.1, max_value=6.0),
    coverage=st.floats(min_value=0.1, max_value=0.9),
    cap=st.floats(min_value=5.0, max_value=150.0),
    current=st.floats(min_value=0.0, max_value=3.0),
)
def test_capacity_invariants(area, far, coverage, cap, current) -> None:
    std = _PROPERTY_STANDARDS
    parcels = _parcels(area_m2=area, far_target=far, gfa_current_m2=current * area)
    r = floor_capacity(parcels, std, coverage=coverage, height_cap_m=cap).iloc[0]
    bands = r[["gfa_ground_m2", "gfa_low_m2", "gfa_std_m2"]].sum()
    assert bands == pytest.approx(r["gfa_max_m2"], rel=1e-9, abs=1e-6)
    assert r["gfa_max_m2"] <= area * r["far_allowed"] * (1 + 1e-9)
    assert r["height_m"] <= cap
    if r["floors"]:
        exact = r["gfa_max_m2"] / r["footprint_m2"]
        assert r["floors"] - 1 < exact <= r["floors"] + 1e-9
    assert r["gfa_increment_m2"] >= 0
    assert r["gfa_fit_chip_fab_m2"] <= r["gfa_fit_equipment_m2"] <= r["gfa_fit_ai_m2"] + 1e-6
    higher = floor_capacity(parcels, std, coverage=coverage, height_cap_m=cap + 10.0).iloc[0]
    assert higher["gfa_max_m2"] >= r["gfa_max_m2"]


# ---------------------------------------------------------------- summaries


def test_summary_per_park_sums_the_parcels(far4: Standards) -> None:
    parcels = _parcels(
        5,
        park_id=["a", "a", None, "b", "b"],
        land_use=["M1", "M1", "M1", "M1", "other"],
        status=["low_efficiency", "built", "low_efficiency", "low_efficiency", "built"],
        density_zone=[3, 3, 3, 3, np.nan],
        gfa_current_m2=[HA, 20_000.0, 0.0, 50_000.0, 99_999.0],
    )
    result = floor_capacity(parcels, far4)
    summary = capacity_summary(result, standards=far4)
    assert summary["park_id"].tolist() == ["a", "b", NO_GROUP]
    a = summary.set_index("park_id").loc["a"]
    assert (a["n_parcels"], a["n_redeveloped"]) == (2, 1)
    assert a["gfa_current_m2"] == HA + 20_000.0
    assert a["gfa_max_m2"] == 40_000.0 + 20_000.0
    assert a["gfa_increment_m2"] == 30_000.0
    assert a["far_current"] == pytest.approx(1.5)
    b = summary.set_index("park_id").loc["b"]
    # The non-industrial parcel of park b does not count; the one over its allowance is flagged.
    assert (b["n_parcels"], b["n_over_allowance"], b["gfa_increment_m2"]) == (1, 1, 0.0)
    assert b["gfa_current_m2"] == 50_000.0

    industrial = result[result["land_use"].isin(INDUSTRIAL_LAND_USES)]
    for col in ("area_m2", "gfa_max_m2", "gfa_increment_m2", "gfa_std_m2"):
        assert summary[col].sum() == pytest.approx(industrial[col].sum())


def test_summary_by_cluster(far4: Standards) -> None:
    parcels = _parcels(3, park_id=["a", "b", None])
    result = floor_capacity(parcels, far4)
    table = capacity_summary(result, by_cluster=True, standards=far4)
    assert list(table.columns) == ["label_zh", "a", "b", NO_GROUP, TOTAL]
    assert table.loc["chip:fab", "a"] == 5_000.0
    assert table.loc["chip", TOTAL] == 3 * 40_000.0
    assert table.loc["car:vehicle_assembly", "label_zh"].startswith("智能网联汽车")
    assert table[TOTAL].tolist() == pytest.approx(table[["a", "b", NO_GROUP]].sum(axis=1))


def test_summary_needs_a_capacity_result(far4: Standards) -> None:
    with pytest.raises(InputError):
        capacity_summary(_parcels())
    with pytest.raises(InputError, match="street"):
        capacity_summary(floor_capacity(_parcels(), far4), by="street")


# ---------------------------------------------------------------- bundled demo


def test_demo_capacity_summary_is_sane(default: Standards) -> None:
    from layers.catalog import load_demo

    parcels = load_demo().parcels
    result = floor_capacity(parcels, default)
    summary = capacity_summary(result, standards=default)
    parks = summary[summary["park_id"] != NO_GROUP].set_index("park_id")
    assert {"jinsha_bihu", "gaoxin_north", "gaoxin_south", "corridor"} <= set(parks.index)
    assert (parks["gfa_increment_m2"] > 0).all()
    # Per parcel the increment is max(gfa_max − gfa_current, 0), so per park it bounds the
    # net change from above.
    net = summary["gfa_max_m2"] - summary["gfa_current_m2"]
    assert (summary["gfa_increment_m2"] >= net - 1e-6).all()
    industrial = result["land_use"].isin(INDUSTRIAL_LAND_USES) & (
        result["status"] != "non_industrial"
    )
    for col in ("n_parcels", "area_m2", "gfa_current_m2", "gfa_max_m2", "gfa_increment_m2"):
        expected = industrial.sum() if col == "n_parcels" else result.loc[industrial, col].sum()
        assert summary[col].sum() == pytest.approx(expected)
    marked = (
        (result["status"] == "low_efficiency") | result["highrise"] | result["far_target"].notna()
    )
    assert summary["n_redeveloped"].sum() == (marked & industrial).sum() > 0
    assert (result["gfa_increment_m2"] >= 0).all()
