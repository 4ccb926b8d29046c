"""The field-mapping step: files shaped like those a 坪山 planner receives import in one step."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.crs import METRIC_CRS
from geo.errors import InputError
from layers.mapping import (
    FieldMapping,
    apply_mapping,
    check_mapping,
    missing_fields,
    propose_mapping,
    require_complete,
    suggest_mapping,
    suggest_value_mapping,
)
from layers.schema import LAYER_SPECS, measured_area_m2, validate_layer

X0, Y0 = 535_000.0, 2_511_000.0  # EPSG:4547, near 坪山 centre
STATUS_FIELD = LAYER_SPECS["parcels"].field("status")
LAND_USE_FIELD = LAYER_SPECS["parcels"].field("land_use")
CLUSTER_FIELD = LAYER_SPECS["enterprises"].field("cluster")


def survey() -> gpd.GeoDataFrame:
    """A 现状调查 Shapefile: Chinese headers, no FAR, no density zone."""
    return gpd.GeoDataFrame(
        {
            "地块编号": ["PS-01", "PS-02", "PS-03", "PS-04"],
            "现状": ["已建成", "低效工业厂房", "可供应", "低效用地"],
            "用地性质": ["工业用地(M1)", "新型产业用地（M0）", "M1", "普通工业"],
            "用地面积": ["10,000", "9 000", 8000.0, "7000㎡"],
            "建筑面积": [15_000.0, "１８０００", 0.0, 14_000.0],
            "调查人": ["王", None, "李", "张"],
        },
        geometry=[shapely.box(X0 + i * 200, Y0, X0 + i * 200 + 100, Y0 + 100) for i in range(4)],
        crs=METRIC_CRS,
    )


def firm_list() -> gpd.GeoDataFrame:
    """A statistics-bureau firm list from Excel: no id, full-width brackets in a header."""
    return gpd.GeoDataFrame(
        {
            "企业名称": ["甲科技", "乙药业", "丙汽车"],
            "产业类别": ["新一代信息技术", "生物医药", "新能源汽车"],
            "产值（万元）": ["1,234.5", "12.5万元", "３００"],
            "是否规上": ["是", "否", "是"],
        },
        geometry=shapely.points([(114.35, 22.70), (114.36, 22.70), (114.37, 22.71)]),
        crs="EPSG:4326",
    )


# --- the two files of the brief ------------------------------------------------------------


def test_a_survey_file_becomes_a_valid_parcels_layer_with_a_stated_density_zone():
    frame = survey()
    with pytest.raises(InputError):  # as received, the file is refused
        validate_layer("parcels", frame)
    mapping = propose_mapping(frame, "parcels")
    assert dict(mapping.columns) == {
        "parcel_id": "地块编号",
        "park_id": None,
        "status": "现状",
        "land_use": "用地性质",
        "area_m2": "用地面积",
        "far_current": None,
        "gfa_current_m2": "建筑面积",
        "density_zone": None,
        "name": None,
        "highrise": None,
        "far_target": None,
        "guided_cluster": None,
    }
    assert mapping.derive == {"far_current"}
    assert missing_fields(frame, mapping) == ["density_zone"]
    with pytest.raises(InputError, match="density_zone"):
        require_complete(frame, mapping)

    mapping = mapping.with_fill("density_zone", "3")
    assert missing_fields(frame, mapping) == []
    out, notes = apply_mapping(frame, mapping)
    layer = validate_layer("parcels", out)
    assert list(layer.status) == ["built", "low_efficiency", "available", "low_efficiency"]
    assert list(layer.land_use) == ["M1", "M0", "M1", "M1"]
    assert list(layer.far_current) == pytest.approx([1.5, 2.0, 0.0, 2.0])
    assert list(layer.density_zone) == [3, 3, 3, 3]
    assert list(layer["调查人"].iloc[[0, 2, 3]]) == ["王", "李", "张"]  # kept as it was

    by_action = {(n.field, n.action): n for n in notes}
    assert by_action[("far_current", "derive")].count == 4
    assert by_action[("density_zone", "fill")].count == 4
    assert by_action[("status", "values")].count == 4
    assert by_action[("land_use", "values")].count == 3  # M1 is already a code
    assert {n.field for n in notes if n.action == "rename"} == {
        "parcel_id",
        "status",
        "land_use",
        "area_m2",
        "gfa_current_m2",
    }
    for note in notes:  # bilingual, Chinese first, with the count
        assert note.text().index(" / ") > 0 and str(note.count) in note.zh
    assert frame.columns.tolist()[0] == "地块编号"  # the input is not modified


def test_a_firm_list_becomes_a_valid_enterprise_layer_with_generated_ids():
    frame = firm_list()
    mapping = propose_mapping(frame, "enterprises")
    assert mapping.columns["ent_id"] is None
    assert mapping.columns["cluster"] == "产业类别"
    assert mapping.columns["output_10k_cny"] == "产值（万元）"
    assert mapping.columns["is_above_scale"] == "是否规上"
    assert dict(mapping.values["cluster"]) == {
        "新一代信息技术": "ai",
        "生物医药": "pharma",
        "新能源汽车": "car",
    }
    assert missing_fields(frame, mapping) == ["ent_id"]

    out, notes = apply_mapping(frame, mapping.with_derive("ent_id"), taken_ids=["E000002"])
    layer = validate_layer("enterprises", out)
    assert list(layer.ent_id) == ["E000001", "E000003", "E000004"]
    assert list(layer.cluster) == ["ai", "pharma", "car"]
    assert list(layer.output_10k_cny) == [1234.5, 12.5, 300.0]
    assert list(layer.is_above_scale) == [True, False, True]
    generated = [n for n in notes if n.action == "generate"]
    assert len(generated) == 1 and generated[0].count == 3 and "E000001" in generated[0].zh


def test_generated_ids_fill_only_blank_ids_and_never_repeat_one():
    frame = firm_list().assign(企业编号=["E000001", None, " "])
    mapping = propose_mapping(frame, "enterprises").with_derive("ent_id")
    out, notes = apply_mapping(frame, mapping)
    assert list(out.ent_id) == ["E000001", "E000002", "E000003"]
    assert [n.count for n in notes if n.action == "generate"] == [2]


# --- proposals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        (STATUS_FIELD, "已建成", "built"),
        (STATUS_FIELD, "低效工业厂房", "low_efficiency"),  # contains 低效
        (STATUS_FIELD, "低效用地（拟改造）", "low_efficiency"),  # the text before the bracket
        (STATUS_FIELD, "荒地", None),
        (STATUS_FIELD, "已出让未建成", None),  # 已出让未建 and 建成: two codes
        (LAND_USE_FIELD, "工业用地(M1)", "M1"),
        (LAND_USE_FIELD, "工业用地（M0）", "M0"),  # the bracket says which
        (LAND_USE_FIELD, "Ｍ１", "M1"),
        (LAND_USE_FIELD, "商业用地", None),
        (CLUSTER_FIELD, "新一代信息技术", "ai"),
        (CLUSTER_FIELD, "新能源汽车零部件", "car"),  # 新能源 inside 新能源汽车
        (CLUSTER_FIELD, "汽车芯片", None),  # car and chip
        (CLUSTER_FIELD, "深圳市坪山区某某汽车工业有限公司", None),  # a name, not a category
        (CLUSTER_FIELD, "retail", None),  # 'ai' only as a whole word
        (CLUSTER_FIELD, "AI chips", "ai"),  # 'chips' is not the whole word 'chip'
        (CLUSTER_FIELD, "生物医药产业", "pharma"),
    ],
)
def test_value_proposals(field, value, code):
    assert suggest_value_mapping([value], field) == {value: code}


def test_value_mapping_lists_each_distinct_value_once_and_skips_blanks():
    values = pd.Series(["生物医药", None, "生物医药", " ", np.nan, "other"], dtype=object)
    assert suggest_value_mapping(values, CLUSTER_FIELD) == {"生物医药": "pharma", "other": "other"}
    with pytest.raises(InputError, match="不是代码字段"):
        suggest_value_mapping(["1"], LAYER_SPECS["parcels"].field("far_current"))


def test_columns_are_recognised_by_their_values_when_headers_say_nothing():
    frame = gpd.GeoDataFrame(
        {
            "列1": ["已建成", "低效用地", "可供应", "已建成", "荒地"],  # 80 % status
            "列2": ["是", "否", "是", "是", "否"],
            "列3": ["a", "b", "c", "d", "e"],
        },
        geometry=[shapely.Point(114.3, 22.7)] * 5,
        crs="EPSG:4326",
    )
    proposal = suggest_mapping(frame, "parcels")
    assert proposal["status"] == "列1"
    assert proposal["highrise"] == "列2"
    assert "列3" not in proposal.values()
    firms = suggest_mapping(frame.drop(columns="列1"), "enterprises")
    assert firms["is_above_scale"] == "列2"  # required before the optional is_anchor
    assert firms["is_anchor"] is None


def test_too_few_recognisable_values_propose_nothing():
    frame = pd.DataFrame({"列1": ["已建成", "荒地", "草地", "可供应"]})  # 50 %
    assert suggest_mapping(frame, "parcels")["status"] is None


def test_an_alias_wins_over_a_value_guess_and_a_column_serves_one_field():
    frame = pd.DataFrame(
        {
            "现状": ["已建成", "可供应"],
            "其他": ["可供应", "已建成"],  # recognisable as status too
            "用地面积": [1.0, 2.0],
            "面积": [3.0, 4.0],
        }
    )
    proposal = suggest_mapping(frame, "parcels")
    assert proposal["status"] == "现状"
    assert proposal["area_m2"] == "面积"  # the earlier alias
    chosen = [c for c in proposal.values() if c is not None]
    assert len(chosen) == len(set(chosen))


HEADERS = ["地块编号", "现状", "用地性质", "用地面积(m²)", "建筑面积", "密度分区", "调查人"]


def _width_variant(header: str, flags: list[bool]) -> str:
    """Some characters of ``header`` as their full-width forms, brackets included."""
    out = []
    for char, wide in zip(header, flags + [False] * len(header), strict=False):
        if wide and char in "()":
            out.append({"(": "（", ")": "）"}[char])
        elif wide and "!" <= char <= "~":
            out.append(chr(ord(char) + 0xFEE0))
        else:
            out.append(char)
    return "".join(out)


def survey_like(headers: list[str]) -> pd.DataFrame:
    values = {
        0: ["A", "B"],
        1: ["已建成", "可供应"],
        2: ["M1", "M0"],
        3: [100.0, 200.0],
        4: [50.0, 60.0],
        5: [3, 4],
        6: ["x", "y"],
    }
    return pd.DataFrame({h: values[i] for i, h in enumerate(headers)})


@settings(max_examples=60, deadline=None)
@given(order=st.permutations(range(len(HEADERS))), flags=st.lists(st.booleans(), max_size=12))
def test_proposals_ignore_column_order_and_character_width(order, flags):
    expected = suggest_mapping(survey_like(HEADERS), "parcels")
    variants = [_width_variant(h, flags) for h in HEADERS]
    frame = survey_like(variants)[[variants[i] for i in order]]
    proposal = suggest_mapping(frame, "parcels")
    back = dict(zip(variants, HEADERS, strict=True))
    assert {k: (None if v is None else back[v]) for k, v in proposal.items()} == expected
    assert expected["area_m2"] == "用地面积(m²)" and expected["density_zone"] == "密度分区"


# --- applying ------------------------------------------------------------------------------


def test_unmapped_and_ambiguous_values_stay_and_validation_reports_them_by_row():
    frame = survey().assign(现状=["已建成", "荒地", "已出让未建成", "可供应"])
    mapping = propose_mapping(frame, "parcels").with_fill("density_zone", 3)
    assert mapping.values["status"]["荒地"] is None
    assert mapping.values["status"]["已出让未建成"] is None
    out, notes = apply_mapping(frame, mapping)
    assert list(out.status) == ["built", "荒地", "已出让未建成", "available"]
    (unmapped,) = [n for n in notes if n.action == "unmapped"]
    assert unmapped.count == 2 and "荒地" in unmapped.zh
    with pytest.raises(InputError) as err:
        validate_layer("parcels", out)
    assert "第 2, 3 行" in str(err.value)

    # The planner chooses: the value mapping is applied.
    chosen = mapping.with_value("status", "荒地", "available").with_value(
        "status", "已出让未建成", "granted_unbuilt"
    )
    layer = validate_layer("parcels", apply_mapping(frame, chosen)[0])
    assert list(layer.status) == ["built", "available", "granted_unbuilt", "available"]


def test_far_is_derived_with_the_area_measured_when_the_file_has_none():
    frame = survey().drop(columns="用地面积")
    mapping = propose_mapping(frame, "parcels").with_fill("density_zone", 2)
    out, notes = apply_mapping(frame, mapping)
    area = measured_area_m2(frame)
    assert out.far_current.astype(float).tolist() == pytest.approx(
        [15_000 / area[0], 18_000 / area[1], 0.0, 14_000 / area[3]]
    )
    derive = next(n for n in notes if n.action == "derive")
    assert derive.count == 4 and "4 行的用地面积按图形" in derive.zh
    later = {n.field for n in notes if n.action == "later"}
    assert later == {"area_m2"}  # measured again by validation, the same way
    layer = validate_layer("parcels", out)
    assert layer.area_m2.tolist() == pytest.approx(area.tolist())


def test_gfa_from_far_is_left_to_validation_and_noted():
    frame = survey().drop(columns="建筑面积").assign(容积率=[1.0, 2.0, 0.5, 1.5])
    mapping = propose_mapping(frame, "parcels").with_fill("density_zone", 1)
    assert mapping.columns["far_current"] == "容积率" and mapping.derive == frozenset()
    out, notes = apply_mapping(frame, mapping)
    assert "gfa_current_m2" not in out.columns
    assert [n.field for n in notes if n.action == "later"] == ["gfa_current_m2"]
    layer = validate_layer("parcels", out)
    assert layer.gfa_current_m2.tolist() == pytest.approx([10_000, 18_000, 4_000, 10_500])


def test_far_cannot_be_derived_without_floor_area():
    frame = survey().drop(columns="建筑面积")
    mapping = propose_mapping(frame, "parcels").with_derive("far_current")
    assert missing_fields(frame, mapping) == ["far_current", "density_zone"]
    with pytest.raises(InputError) as err:
        require_complete(frame, mapping)
    assert "far_current" in str(err.value) and "density_zone" in str(err.value)
    assert "统一值" in str(err.value)


def test_a_fill_goes_into_blank_cells_only():
    frame = survey().assign(密度分区=[2, None, "", 4])
    mapping = propose_mapping(frame, "parcels").with_fill("density_zone", 3)
    out, notes = apply_mapping(frame, mapping)
    assert validate_layer("parcels", out).density_zone.tolist() == [2, 3, 3, 4]
    assert [n.count for n in notes if n.action == "fill"] == [2]


def test_fills_are_checked_by_the_schema():
    mapping = propose_mapping(survey(), "parcels")
    with pytest.raises(InputError, match="密度分区"):
        mapping.with_fill("density_zone", 9)
    with pytest.raises(InputError, match="生成编号"):
        mapping.with_fill("parcel_id", "P1")
    assert mapping.with_fill("status", "可供应").fills["status"] == "available"
    assert "status" not in mapping.with_fill("status", "可供应").with_fill("status", None).fills


def test_the_mapping_itself_is_checked():
    with pytest.raises(InputError) as err:
        FieldMapping(
            "parcels",
            {"parcel_id": "a", "nope": "b"},
            values={"status": {"x": "not_a_code"}, "far_current": {"1": "1"}},
            derive=frozenset({"density_zone"}),
        )
    text = str(err.value)
    assert "nope" in text and "not_a_code" in text and "far_current" in text
    assert "density_zone" in text and len(err.value.details) == 4
    with pytest.raises(InputError, match="未知的图层类型"):
        FieldMapping("roads", {})


def test_a_mapping_that_does_not_fit_the_file_is_refused_with_every_problem():
    frame = survey().assign(parcel_id=["x", "y", "z", "w"])
    mapping = (
        propose_mapping(frame, "parcels")
        .with_column("parcel_id", "地块编号")  # while a column 'parcel_id' exists
        .with_column("name", "没有这一列")
    )
    mapping = FieldMapping(
        "parcels", {**mapping.columns, "far_current": "建筑面积", "highrise": "geometry"}
    )
    problems = check_mapping(frame, mapping)
    assert len(problems) == 4, problems
    assert any("parcel_id" in p and "改名" in p for p in problems)
    assert any("没有这一列" in p for p in problems)
    assert any("建筑面积" in p and "多个字段" in p for p in problems)
    assert any("几何列" in p for p in problems)
    with pytest.raises(InputError) as err:
        apply_mapping(frame, mapping)
    assert len(err.value.details) == 4


def test_with_column_moves_a_column_and_drops_stale_value_mappings():
    mapping = propose_mapping(survey(), "parcels")
    moved = mapping.with_column("guided_cluster", "现状")
    assert moved.columns["status"] is None and moved.columns["guided_cluster"] == "现状"
    assert "status" not in moved.values
    assert mapping.columns["status"] == "现状"  # the original is unchanged
    with pytest.raises(TypeError):
        mapping.columns["status"] = None  # type: ignore[index]
    assert hash(mapping) == hash(propose_mapping(survey(), "parcels"))
    assert mapping == propose_mapping(survey(), "parcels")


def test_a_column_in_another_unit_is_noted_not_converted():
    frame = survey().rename(columns={"用地面积": "用地面积(公顷)"})
    assert suggest_mapping(frame, "parcels")["area_m2"] is None
    mapping = propose_mapping(frame, "parcels").with_column("area_m2", "用地面积(公顷)")
    _, notes = apply_mapping(frame, mapping.with_fill("density_zone", 3))
    assert [n.field for n in notes if n.action == "unit"] == ["area_m2"]


EXTRA = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=5),
)


@settings(max_examples=60, deadline=None)
@given(
    extra=st.lists(st.tuples(EXTRA, EXTRA, EXTRA, EXTRA), min_size=1, max_size=1),
    names=st.lists(
        st.text(min_size=1, max_size=4).filter(lambda s: s not in ("geometry",)),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    fill=st.sampled_from([None, 1, 5]),
    ids=st.booleans(),
)
def test_apply_never_drops_or_changes_a_column_it_was_not_told_to(extra, names, fill, ids):
    frame = survey()
    mapping = propose_mapping(frame, "parcels")
    names = [n for n in names if n not in frame.columns and n not in mapping.columns]
    for name in names:
        frame[name] = pd.Series(list(extra[0]), dtype=object)
    mapping = propose_mapping(frame, "parcels").with_fill("density_zone", fill)
    mapping = mapping.with_derive("parcel_id", ids)
    told = {c for c in mapping.columns.values() if c is not None}
    out, _ = apply_mapping(frame, mapping)
    for column in frame.columns:
        if column in told or column == "geometry":
            continue
        assert column in out.columns
        pd.testing.assert_series_equal(out[column], frame[column])
    assert out.geometry.equals(frame.geometry)
    assert len(out) == len(frame)
