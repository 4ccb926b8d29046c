"""Standards tables and park guidance: defaults as documented, validation naming the broken
key, round trips."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import analysis.standards
from analysis.standards import (
    FAR_YAML,
    HIGHRISE_YAML,
    PARK_GUIDANCE_YAML,
    Standards,
    fit_column,
    floor_fit_column,
    load_park_guidance,
    load_standards,
    park_guidance_from_dict,
    resolve_park_guidance,
    save_standards,
    standards_from_tables,
)
from geo.errors import InputError
from layers.schema import CLUSTER, INDUSTRIAL_LAND_USES

_CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def default() -> Standards:
    return load_standards()


def _docs() -> tuple[dict, dict]:
    far = yaml.safe_load(FAR_YAML.read_text(encoding="utf-8"))
    highrise = yaml.safe_load(HIGHRISE_YAML.read_text(encoding="utf-8"))
    return far, highrise


def _write(tmp_path: Path, far: dict, highrise: dict) -> tuple[Path, Path]:
    far_path, hr_path = tmp_path / "far.yaml", tmp_path / "highrise.yaml"
    far_path.write_text(yaml.safe_dump(far, allow_unicode=True), encoding="utf-8")
    hr_path.write_text(yaml.safe_dump(highrise, allow_unicode=True), encoding="utf-8")
    return far_path, hr_path


def _band(doc: dict, key: str) -> dict:
    return next(b for b in doc["bands"] if b["key"] == key)


def _fit(doc: dict, key: str) -> dict:
    return next(f for f in doc["suitability"] if f["key"] == key)


# ---------------------------------------------------------------- defaults


def test_default_far_table_holds_the_documented_assumptions(default: Standards) -> None:
    m1, m0, w = (default.far.rule(lu) for lu in ("M1", "M0", "W"))
    assert m1.base_by_zone == (4.0, 4.0, 3.5, 2.5, 1.5)
    assert m0.base_by_zone == (6.0, 5.0, 4.0, 2.5, 1.5)
    assert w.base_by_zone == (3.0, 3.0, 2.5, 2.0, 1.5)
    # upper = base × 1.5, capped at 6.0 (M1) and 8.0 (M0)
    assert m1.upper_by_zone == (6.0, 6.0, 5.25, 3.75, 2.25)
    assert m0.upper_by_zone == (8.0, 7.5, 6.0, 3.75, 2.25)
    assert {r.coverage for r in default.far.rules} == {0.5}
    assert default.far.height_cap_m.value == 100.0
    assert set(default.far.land_uses) == set(INDUSTRIAL_LAND_USES)


def test_default_band_template_holds_the_documented_assumptions(default: Standards) -> None:
    bands = default.highrise.bands
    assert [b.key for b in bands] == ["ground", "low", "std"]
    assert [(b.first_floor, b.last_floor) for b in bands] == [(1, 1), (2, 4), (5, None)]
    assert [b.floor_height_m for b in bands] == [8.0, 6.0, 4.5]
    assert [b.load_t_m2 for b in bands] == [2.0, 1.2, 0.8]
    for b in bands:
        assert b.load_kn_m2 == pytest.approx(b.load_t_m2 * 9.80665, rel=0.05)
    d = default.highrise.definition
    assert (d.min_height_m.value, d.max_height_m.value, d.min_floors.value, d.min_far.value) == (
        24.0,
        100.0,
        5,
        3.0,
    )


def test_every_entry_is_sourced_or_marked_an_assumption(default: Standards) -> None:
    for name, table in default.to_tables().items():
        sourced = table["source"].notna() | table["assumption"].astype(bool)
        assert sourced.all(), name


def test_suitability_covers_every_cluster_and_the_non_highrise_sub_types(
    default: Standards,
) -> None:
    keys = default.highrise.fit_keys
    assert set(CLUSTER.codes) <= set(keys)
    assert default.highrise.fit("chip:fab").max_band == "ground"
    assert default.highrise.fit("car:vehicle_assembly").max_band == "ground"
    assert default.highrise.band_fit(default.highrise.fit("chip:fab")) == (True, False, False)
    assert default.highrise.band_fit(default.highrise.fit("chip")) == (True, True, True)
    # Heavy or vibrating equipment stays on low floors.
    assert default.highrise.band_fit(default.highrise.fit("equipment"))[-1] is False


def test_fit_key_falls_back_from_sub_type_to_cluster(default: Standards) -> None:
    assert default.fit_key("chip", "fab") == "chip:fab"
    assert default.fit_key("chip", "design") == "chip"
    assert default.fit_key("car", None) == "car"
    assert default.fit_key("car", "vehicle_assembly") == "car:vehicle_assembly"
    no_other = default.with_fit("other", max_band="std")  # still present
    assert no_other.fit_key("other") == "other"


def test_fit_column_names() -> None:
    assert fit_column("chip") == "gfa_fit_chip_m2"
    assert fit_column("chip:fab") == "gfa_fit_chip_fab_m2"
    assert floor_fit_column("chip") == "fit_chip"
    assert floor_fit_column("car:vehicle_assembly") == "fit_car_vehicle_assembly"


def test_standards_are_frozen(default: Standards) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.far.rules[0].coverage = 0.9  # type: ignore[misc]


# ---------------------------------------------------------------- broken files


def _drop(key: str) -> Callable[[dict], None]:
    return lambda d: d.pop(key)


BROKEN_FAR: list[tuple[str, Callable[[dict], None], str]] = [
    ("missing key", lambda d: d["far"][0].pop("upper_cap"), "far[M1].upper_cap"),
    ("wrong type", lambda d: d["far"][0].update(upper_factor="1.5"), "far[M1].upper_factor"),
    (
        "negative base",
        lambda d: d["far"][0]["base_by_zone"].update({3: -1.0}),
        "far[M1].base_by_zone.3",
    ),
    ("missing zone", lambda d: d["far"][1]["base_by_zone"].pop(5), "far[M0].base_by_zone.5"),
    (
        "unknown zone",
        lambda d: d["far"][1]["base_by_zone"].update({6: 1.0}),
        "far[M0].base_by_zone.6",
    ),
    ("unknown land use", lambda d: d["far"][0].update(land_use="M9"), "far[M9].land_use"),
    (
        "non-industrial land use",
        lambda d: d["far"][2].update(land_use="other"),
        "far[other].land_use",
    ),
    ("land use missing", lambda d: d["far"].pop(2), "far"),
    ("typo in a key", lambda d: d["far"][0].update(upper_fator=1.5), "far[M1].upper_fator"),
    ("cap below base", lambda d: d["far"][0].update(upper_cap=3.0), "far[M1].upper_cap"),
    ("coverage above 1", lambda d: d["far"][0].update(coverage=1.2), "far[M1].coverage"),
    (
        "no provenance",
        lambda d: [d["far"][0].pop(k, None) for k in ("source", "assumption")],
        "far[M1]",
    ),
    (
        "plot-size gap",
        lambda d: d["plot_size_correction"][1].update(min_ha=0.4),
        "plot_size_correction[1].min_ha",
    ),
    (
        "plot-size closed top",
        lambda d: d["plot_size_correction"][-1].update(max_ha=50.0),
        "plot_size_correction[3].max_ha",
    ),
    ("negative height cap", lambda d: d["height_cap_m"].update(value=-5.0), "height_cap_m.value"),
    ("height cap missing", _drop("height_cap_m"), "height_cap_m"),
]

BROKEN_HIGHRISE: list[tuple[str, Callable[[dict], None], str]] = [
    ("band gap", lambda d: _band(d, "low").update(floors=[3, 4]), "bands[low].floors"),
    ("band overlap", lambda d: _band(d, "std").update(floors=[4, None]), "bands[std].floors"),
    ("closed top band", lambda d: _band(d, "std").update(floors=[5, 30]), "bands[std].floors"),
    ("band floors not a pair", lambda d: _band(d, "low").update(floors=2), "bands[low].floors"),
    ("negative load", lambda d: _band(d, "low").update(load_t_m2=-1.2), "bands[low].load_t_m2"),
    (
        "load units disagree",
        lambda d: _band(d, "ground").update(load_kn_m2=35.0),
        "bands[ground].load_kn_m2",
    ),
    (
        "band height as text",
        lambda d: _band(d, "std").update(floor_height_m="4.5m"),
        "bands[std].floor_height_m",
    ),
    (
        "band without provenance",
        lambda d: [_band(d, "ground").pop(k, None) for k in ("source", "assumption")],
        "bands[ground]",
    ),
    ("unknown cluster", lambda d: _fit(d, "ai").update(key="rocket"), "suitability[rocket].key"),
    (
        "bad sub-type",
        lambda d: _fit(d, "chip:fab").update(key="chip:Front End"),
        "suitability[chip:Front End].key",
    ),
    ("unknown band", lambda d: _fit(d, "car").update(max_band="roof"), "suitability[car].max_band"),
    ("duplicate key", lambda d: _fit(d, "ai").update(key="pharma"), "suitability[pharma].key"),
    (
        "fractional floors",
        lambda d: d["definition"]["min_floors"].update(value=2.5),
        "definition.min_floors.value",
    ),
    ("bands missing", _drop("bands"), "bands"),
]


@pytest.mark.parametrize(("case", "mutate", "key"), BROKEN_FAR, ids=[c[0] for c in BROKEN_FAR])
def test_broken_far_yaml_names_the_key(tmp_path: Path, case: str, mutate, key: str) -> None:
    far, highrise = _docs()
    mutate(far)
    paths = _write(tmp_path, far, highrise)
    with pytest.raises(InputError) as err:
        load_standards(*paths)
    text = str(err.value)
    assert f"「far.yaml: {key}」" in text, text
    assert _CHINESE.search(text.splitlines()[0])
    assert "problem" in text.splitlines()[1]


@pytest.mark.parametrize(
    ("case", "mutate", "key"), BROKEN_HIGHRISE, ids=[c[0] for c in BROKEN_HIGHRISE]
)
def test_broken_highrise_yaml_names_the_key(tmp_path: Path, case: str, mutate, key: str) -> None:
    far, highrise = _docs()
    mutate(highrise)
    paths = _write(tmp_path, far, highrise)
    with pytest.raises(InputError) as err:
        load_standards(*paths)
    assert f"「highrise.yaml: {key}」" in str(err.value), str(err.value)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    far, highrise = _docs()
    far["far"][0]["upper_cap"] = "six"
    highrise["suitability"][0]["max_band"] = "roof"
    with pytest.raises(InputError) as err:
        load_standards(*_write(tmp_path, far, highrise))
    assert len(err.value.details) == 2
    assert "far[M1].upper_cap" in err.value.details[0]
    assert "suitability[car].max_band" in err.value.details[1]


def test_invalid_yaml_and_missing_file_raise_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "far.yaml"
    bad.write_text("far: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML"):
        load_standards(far_path=bad)
    with pytest.raises(InputError, match="not found"):
        load_standards(highrise_path=tmp_path / "nope.yaml")


def test_a_land_use_label_is_accepted_for_its_code(tmp_path: Path) -> None:
    far, highrise = _docs()
    far["far"][0]["land_use"] = "普通工业"
    loaded = load_standards(*_write(tmp_path, far, highrise))
    assert loaded.far.rule("M1").base_by_zone == (4.0, 4.0, 3.5, 2.5, 1.5)


# ---------------------------------------------------------------- round trips and edits


def test_tables_round_trip(default: Standards) -> None:
    assert standards_from_tables(default.to_tables()) == default


def test_yaml_round_trip(tmp_path: Path, default: Standards) -> None:
    save_standards(default, tmp_path / "f.yaml", tmp_path / "h.yaml")
    assert load_standards(tmp_path / "f.yaml", tmp_path / "h.yaml") == default


def test_an_edited_table_changes_the_standards_and_the_derived_upper(default: Standards) -> None:
    tables = default.to_tables()
    far = tables["far"].copy()
    far.loc[far["land_use"] == "M1", "base_z1"] = 4.5
    edited = standards_from_tables({"far": far}, base=default)
    assert edited.far.rule("M1").base_by_zone[0] == 4.5
    assert edited.far.rule("M1").upper_by_zone[0] == 6.0  # 6.75 capped at 6.0
    assert edited.highrise == default.highrise


def test_a_broken_table_edit_names_the_key(default: Standards) -> None:
    bands = default.to_tables()["bands"].copy()
    bands.loc[bands["key"] == "low", "last_floor"] = 6
    with pytest.raises(InputError) as err:
        standards_from_tables({"bands": bands}, base=default)
    assert "bands[std].floors" in str(err.value)


def test_with_helpers_return_validated_copies(default: Standards) -> None:
    heavier = default.with_band("std", load_t_m2=1.5)
    assert heavier.highrise.band("std").load_kn_m2 == pytest.approx(1.5 * 9.80665, rel=1e-3)
    assert heavier.highrise.band_fit(heavier.highrise.fit("equipment"))[-1] is False  # max_band
    assert default.highrise.band("std").load_t_m2 == 0.8  # original untouched

    vaccine = default.with_fit(
        "pharma:vaccine", min_load_t_m2=1.0, min_floor_height_m=6.0, max_band="low", assumption=True
    )
    assert vaccine.fit_key("pharma", "vaccine") == "pharma:vaccine"

    neutral = default.without_plot_size_correction()
    assert [b.correction for b in neutral.far.plot_size] == [0.0]
    assert default.with_height_cap(60.0).far.height_cap_m.value == 60.0
    assert default.with_definition("min_far", 2.5).highrise.definition.min_far.value == 2.5

    with pytest.raises(InputError, match=r"suitability\[tank\]"):
        default.with_fit(
            "tank", min_load_t_m2=1.0, min_floor_height_m=4.0, max_band="low", assumption=True
        )
    with pytest.raises(InputError, match=r"far\[M0\]\.upper_factor"):
        default.with_far_rule("M0", upper_factor=0.5)
    with pytest.raises(InputError):
        default.with_far_rule("other", upper_factor=1.2)


_zone_far = st.floats(min_value=0.5, max_value=8.0, allow_nan=False).map(lambda v: round(v, 2))


@settings(max_examples=30, deadline=None)
@given(
    base=st.lists(_zone_far, min_size=5, max_size=5),
    factor=st.floats(min_value=1.0, max_value=2.0).map(lambda v: round(v, 2)),
    height=st.floats(min_value=2.0, max_value=12.0).map(lambda v: round(v, 1)),
)
def test_valid_edits_survive_the_table_round_trip(base, factor, height) -> None:
    edited = (
        load_standards()
        .with_far_rule(
            "W",
            base_by_zone=dict(enumerate(base, start=1)),
            upper_factor=factor,
            upper_cap=max(base) * 2,
        )
        .with_band("low", floor_height_m=height)
    )
    rule = edited.far.rule("W")
    assert all(u >= b for u, b in zip(rule.upper_by_zone, rule.base_by_zone, strict=True))
    assert standards_from_tables(copy.deepcopy(edited.to_tables()), base=edited) == edited


# ---------------------------------------------------------------- park guidance


def test_bundled_guidance_matches_the_plan_table():
    guide = load_park_guidance()
    assert guide.guided("jinsha_bihu") == ("pharma", "car", "chip")
    assert guide.guided("gaoxin_north") == ("car", "equipment")
    assert guide.guided("gaoxin_south") == ("chip", "ai", "energy")
    assert guide.guided("corridor") == ("ai", "cellgene", "photonics", "lowalt")
    assert guide.parks["corridor"].kind == "corridor"
    assert set(guide.suppliers("car")) == {"equipment", "energy", "chip", "ai"}
    assert all(guide.supply_chain_assumed.values())
    assert "十五五" in guide.source
    with pytest.raises(InputError, match="nowhere"):
        guide.guided("nowhere")


def test_guidance_validation_names_the_key():
    data = {
        "parks": {"p1": {"name_zh": "一园", "clusters": ["car", "flying_cars"]}},
        "supply_chain": {"car": {"suppliers": ["chip"], "assumption": True}, "spaceships": ["car"]},
    }
    with pytest.raises(InputError) as err:
        park_guidance_from_dict(data)
    text = str(err.value)
    assert "parks.p1.clusters" in text and "flying_cars" in text
    assert "supply_chain.spaceships" in text
    labelled = park_guidance_from_dict(
        {"parks": {"p1": {"name_zh": "一园", "clusters": ["智能网联汽车", "芯片"]}}}
    )
    assert labelled.guided("p1") == ("car", "chip")


def test_guidance_lists_every_problem_at_once(tmp_path: Path) -> None:
    data = yaml.safe_load(PARK_GUIDANCE_YAML.read_text(encoding="utf-8"))
    data["parks"]["gaoxin_north"]["kind"] = "zone"
    data["parks"]["gaoxin_south"]["clusters"] = []
    data["parks"]["corridor"]["plan_txt"] = "typo"
    del data["supply_chain"]["car"]["assumption"]
    with pytest.raises(InputError) as err:
        park_guidance_from_dict(data, source="park_guidance.yaml")
    keys = [d.split("」", 1)[0].lstrip("「") for d in err.value.details]
    assert keys == [
        "parks.gaoxin_north.kind",
        "parks.gaoxin_south.clusters",
        "parks.corridor.plan_txt",
        "supply_chain.car",
    ]
    lines = str(err.value).splitlines()
    assert _CHINESE.search(lines[0]) and "4" in lines[0]
    assert "4 problem(s)" in lines[1]


def test_guidance_parks_need_no_source_but_links_do() -> None:
    plain = park_guidance_from_dict({"parks": {"p1": {"name_zh": "一园", "clusters": ["ai"]}}})
    assert plain.parks["p1"].kind == "park" and plain.parks["p1"].name_en == "一园"
    listed = park_guidance_from_dict(
        {"parks": {"p1": {"name_zh": "一园", "clusters": ["ai"]}}, "supply_chain": {"ai": ["chip"]}}
    )
    assert listed.suppliers("ai") == ("chip",) and listed.supply_chain_assumed["ai"] is True
    with pytest.raises(InputError, match=r"supply_chain\.ai"):
        park_guidance_from_dict(
            {
                "parks": {"p1": {"name_zh": "一园", "clusters": ["ai"]}},
                "supply_chain": {"ai": {"suppliers": ["chip"]}},
            }
        )


def test_guidance_file_missing_or_broken(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_park_guidance(tmp_path / "nope.yaml")
    bad = tmp_path / "park_guidance.yaml"
    bad.write_text("parks: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="YAML"):
        load_park_guidance(bad)


def test_guidance_is_resolved_from_any_form(tmp_path: Path) -> None:
    bundled = load_park_guidance()
    assert resolve_park_guidance(None) == bundled
    assert resolve_park_guidance(bundled) is bundled
    assert resolve_park_guidance(PARK_GUIDANCE_YAML) == bundled
    mapping = {"parks": {"p1": {"name_zh": "一园", "clusters": ["ai"]}}}
    assert resolve_park_guidance(mapping).guided("p1") == ("ai",)


# ---------------------------------------------------------------- package layout


def test_every_standards_module_declares_its_public_names() -> None:
    for name in analysis.standards.__all__:
        assert hasattr(analysis.standards, name), name
    for module in (
        "_far",
        "_guidance",
        "_highrise",
        "_model",
        "_tables",
        "_validate",
        "_values",
        "_yaml",
    ):
        mod = importlib.import_module(f"analysis.standards.{module}")
        assert mod.__doc__ and "Method" in mod.__doc__, module
        assert all(hasattr(mod, n) for n in mod.__all__), module
