"""Validation and normalisation of layers against the schema."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from layers.schema import (
    CLUSTER,
    CONSTRAINT_KIND,
    LAND_USE,
    LAYER_SPECS,
    PARK_KIND,
    STATUS,
    check_field,
    fold_header,
    fold_text,
    header_unit,
    match_headers,
    required_fields,
    validate_layer,
)


def parcel_frame(**overrides):
    n = 3
    data = {
        "parcel_id": ["P1", "P2", "P3"],
        "park_id": ["gaoxin_south", None, "corridor"],
        "status": ["built", "可供应", "低效用地"],
        "land_use": ["M1", "新型产业", "w"],
        "far_current": [1.5, 0, "0.8"],
        "density_zone": [3, 2.0, "4"],
    }
    data.update(overrides)
    geoms = [shapely.box(114.30 + i * 0.002, 22.70, 114.301 + i * 0.002, 22.701) for i in range(n)]
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:4326")


def test_labels_and_codes_are_normalised():
    out = validate_layer("parcels", parcel_frame())
    assert list(out.status) == ["built", "available", "low_efficiency"]
    assert list(out.land_use) == ["M1", "M0", "W"]
    assert out.far_current.dtype == float
    assert list(out.density_zone) == [3, 2, 4]
    # area computed in the metric CRS: 0.001° × 0.001° near 22.7° N ≈ 103 m × 111 m
    assert out.area_m2.iloc[0] == pytest.approx(11_400, rel=0.02)
    assert out.gfa_current_m2.iloc[0] == pytest.approx(1.5 * out.area_m2.iloc[0])
    assert not out.highrise.any()
    assert out.far_target.isna().all()


def test_chinese_headers_are_accepted():
    gdf = parcel_frame().rename(
        columns={"parcel_id": "宗地号", "status": "地块状态", "land_use": "用地性质"}
    )
    out = validate_layer("parcels", gdf)
    assert {"parcel_id", "status", "land_use"} <= set(out.columns)


def test_every_problem_is_listed_at_once():
    gdf = parcel_frame(
        parcel_id=["P1", "P1", "P3"],
        status=["built", "荒地", "available"],
        far_current=[1.0, "abc", -2],
        density_zone=[1, 7, 2],
    ).drop(columns=["land_use"])
    with pytest.raises(InputError) as info:
        validate_layer("parcels", gdf, source="parcels.shp")
    err = info.value
    text = str(err)
    assert text.splitlines()[0].startswith("文件/图层「parcels.shp」")
    assert "land_use" in text and "缺少字段" in text
    assert "荒地" in text and "第 2 行" in text
    assert "不是数字" in text and "超出范围" in text
    assert "重复" in text
    assert len(err.details) == 6


def test_wrong_geometry_type_and_empty_geometry():
    gdf = parcel_frame()
    gdf.loc[0, "geometry"] = shapely.Point(114.3, 22.7)
    gdf.loc[1, "geometry"] = None
    with pytest.raises(InputError) as info:
        validate_layer("parcels", gdf)
    assert "Point" in str(info.value)
    assert "几何为空" in str(info.value)


def test_crs_less_layer_is_refused():
    gdf = parcel_frame().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="没有坐标系"):
        validate_layer("parcels", gdf)


def test_reprojects_to_wgs84():
    out = validate_layer("parcels", parcel_frame().to_crs("EPSG:4547"))
    assert out.crs.to_epsg() == 4326
    assert out.geometry.iloc[0].bounds[0] == pytest.approx(114.30, abs=1e-7)


def test_enterprise_booleans_and_clusters():
    gdf = gpd.GeoDataFrame(
        {
            "企业编号": ["E1", "E2", "E3"],
            "企业名称": ["<img src=x onerror=alert(1)>", "乙", "丙"],
            "产业集群": ["半导体与集成电路", "car", "智能终端"],
            "是否规上": ["是", "否", 1],
            "产值": [100, 2000.5, 0],
        },
        geometry=shapely.points([(114.3, 22.7), (114.31, 22.7), (114.32, 22.7)]),
        crs="EPSG:4326",
    )
    out = validate_layer("enterprises", gdf)
    assert list(out.cluster) == ["chip", "car", "ai"]
    assert list(out.is_above_scale) == [True, False, True]
    assert out.name.iloc[0] == "<img src=x onerror=alert(1)>"
    assert not out.is_anchor.any()


def test_bad_boolean_is_reported():
    gdf = gpd.GeoDataFrame(
        {
            "ent_id": ["E1"],
            "name": ["甲"],
            "cluster": ["car"],
            "is_above_scale": ["也许"],
            "output_10k_cny": [1.0],
        },
        geometry=[shapely.Point(114.3, 22.7)],
        crs="EPSG:4326",
    )
    with pytest.raises(InputError, match="是/否"):
        validate_layer("enterprises", gdf)


def test_unknown_layer_kind():
    with pytest.raises(InputError, match="未知的图层类型"):
        validate_layer("roads", parcel_frame())


def test_enumerations_have_labels_for_every_code():
    for codes in (STATUS, CLUSTER):
        for v in codes.values:
            assert v.zh and v.en
            assert codes.normalise(v.zh) == v.code
            assert codes.normalise(v.code.upper()) == v.code
    assert STATUS.normalise("可供应") == "available"
    assert STATUS.normalise(np.nan) is None


def test_required_fields():
    # area_m2 and gfa_current_m2 are derived from the geometry when absent; park_id may be empty.
    assert set(required_fields("parcels")) == {
        "parcel_id",
        "status",
        "land_use",
        "far_current",
        "density_zone",
    }
    assert set(LAYER_SPECS) == {
        "boundary",
        "parks",
        "corridor_axis",
        "parcels",
        "enterprises",
        "constraints",
    }


# --- numbers as files write them -----------------------------------------------------------

AREA = LAYER_SPECS["parcels"].field("area_m2")
OUTPUT = LAYER_SPECS["enterprises"].field("output_10k_cny")
FAR = LAYER_SPECS["parcels"].field("far_current")
ZONE = LAYER_SPECS["parcels"].field("density_zone")
NUMERIC_FIELDS = [
    f for spec in LAYER_SPECS.values() for f in spec.fields if f.kind in ("float", "int")
]


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        (AREA, "1,234.5", 1234.5),
        (AREA, "1,234,567", 1_234_567.0),
        (AREA, "1 234", 1234.0),
        (AREA, "1\u3000234", 1234.0),  # ideographic space
        (AREA, "１２３", 123.0),  # full-width digits
        (AREA, "１，２３４．５", 1234.5),
        (AREA, "1234㎡", 1234.0),
        (AREA, "1234 m²", 1234.0),
        (AREA, "1234平方米", 1234.0),
        (AREA, " 1e3 ", 1000.0),
        (OUTPUT, "12.5万元", 12.5),
        (OUTPUT, "1,200 万元", 1200.0),
        (FAR, "1.5", 1.5),
        (ZONE, "３", 3),
    ],
)
def test_numbers_written_as_files_write_them_are_read(field, text, expected):
    out, problems = check_field(field, pd.Series([text], dtype=object))
    assert problems == []
    assert out.iloc[0] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (AREA, "12.5万元"),  # not the field's unit
        (AREA, "3公顷"),
        (OUTPUT, "1234㎡"),
        (OUTPUT, "100元"),
        (FAR, "1.5倍"),
        (AREA, "1,23"),  # not thousands
        (AREA, "1,2345"),
        (AREA, "12 34"),
        (AREA, "1,234 567"),  # mixed separators
        (AREA, "㎡"),
        (AREA, "约100"),
    ],
)
def test_other_text_is_refused_by_row(field, text):
    _, problems = check_field(field, pd.Series([1.0, text], dtype=object))
    assert len(problems) == 1
    assert problems[0].positions == (1,)
    assert "不是数字" in problems[0].zh and text in problems[0].zh


@pytest.mark.parametrize("field", NUMERIC_FIELDS, ids=lambda f: f.name)
@pytest.mark.parametrize("bad", ["nan", "NaN", "inf", "-Infinity", np.inf, -np.inf])
def test_nan_and_inf_are_refused_in_every_numeric_field(field, bad):
    _, problems = check_field(field, pd.Series([bad], dtype=object))
    assert problems, (field.name, bad)


@pytest.mark.parametrize(
    "field", [f for f in NUMERIC_FIELDS if not f.nullable], ids=lambda f: f.name
)
def test_a_nan_cell_is_empty_where_a_value_is_required(field):
    _, problems = check_field(field, pd.Series([np.nan], dtype=object))
    assert problems and "为空" in problems[0].zh


def test_unit_of_a_field_follows_its_name():
    for spec in LAYER_SPECS.values():
        for f in spec.fields:
            if f.name.endswith("_m2"):
                assert f.unit == "m2", f.name
            elif f.name.endswith("_10k_cny"):
                assert f.unit == "10k_cny", f.name
            else:
                assert f.unit is None, f.name


@settings(max_examples=200, deadline=None)
@given(number=st.integers(0, 10**12), decimals=st.integers(0, 99), sep=st.sampled_from([",", " "]))
def test_thousands_separators_and_full_width_digits_read_as_the_same_number(number, decimals, sep):
    plain = f"{number}.{decimals:02d}"
    grouped = f"{number:,}".replace(",", sep) + f".{decimals:02d}"
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in plain)
    column = pd.Series([plain, grouped, full_width, grouped + "㎡"], dtype=object)
    out, problems = check_field(AREA, column)
    assert problems == []
    assert out.nunique() == 1 and out.iloc[0] == float(plain)


# --- headers and codes -----------------------------------------------------------------------


def test_headers_match_in_full_or_half_width_with_their_unit():
    spec = LAYER_SPECS["enterprises"]
    assert match_headers(spec, ["产值（万元）"]) == {"output_10k_cny": "产值（万元）"}
    assert match_headers(spec, ["ＯＵＴＰＵＴ_１０Ｋ_ＣＮＹ"]) == {
        "output_10k_cny": "ＯＵＴＰＵＴ_１０Ｋ_ＣＮＹ"
    }
    assert match_headers(spec, ["产值(亿元)"]) == {}  # another unit: not this field
    parcels = LAYER_SPECS["parcels"]
    assert match_headers(parcels, ["用地面积【㎡】"]) == {"area_m2": "用地面积【㎡】"}
    assert match_headers(parcels, ["用地面积(公顷)"]) == {}
    assert header_unit("用地面积(m²)") == "m2" and header_unit("地块编号(新)") is None
    assert fold_header(" Parcel_ID ") == fold_header("parcel id") == "parcelid"


def test_an_exact_name_wins_over_an_alias_whatever_the_column_order():
    spec = LAYER_SPECS["parcels"]
    for headers in (["现状", "status"], ["status", "现状"]):
        assert match_headers(spec, headers)["status"] == "status"


def test_full_width_headers_are_read_on_import():
    gdf = gpd.GeoDataFrame(
        {
            "企业编号": ["E1"],
            "企业名称": ["甲"],
            "产业类别": ["新一代信息技术"],
            "是否规上": ["是"],
            "产值（万元）": ["1,234.5万元"],
        },
        geometry=[shapely.Point(114.3, 22.7)],
        crs="EPSG:4326",
    )
    out = validate_layer("enterprises", gdf)
    assert out.output_10k_cny.iloc[0] == 1234.5
    assert out.cluster.iloc[0] == "ai"


@pytest.mark.parametrize(
    ("codes", "text", "code"),
    [
        (STATUS, "现状建成", "built"),
        (STATUS, "低效工业用地", "low_efficiency"),
        (CLUSTER, "新一代信息技术", "ai"),
        (CLUSTER, "新能源汽车", "car"),
        (CLUSTER, "生物医药", "pharma"),
        (LAND_USE, "Ｍ１", "M1"),
        (LAND_USE, "新型工业用地", "M0"),
    ],
)
def test_common_terms_are_aliases(codes, text, code):
    assert codes.normalise(text) == code


@pytest.mark.parametrize("codes", [STATUS, LAND_USE, CLUSTER, PARK_KIND, CONSTRAINT_KIND])
def test_no_spelling_means_two_codes(codes):
    seen: dict[str, str] = {}
    for v in codes.values:
        for spelling in {fold_text(s) for s in (v.code, v.zh, v.en, *v.aliases)}:
            assert seen.setdefault(spelling, v.code) == v.code, spelling


def test_no_header_names_two_fields():
    for spec in LAYER_SPECS.values():
        seen: dict[str, str] = {}
        for f in spec.fields:
            for header in {fold_header(h) for h in (f.name, *f.aliases)}:
                assert seen.setdefault(header, f.name) == f.name, (spec.kind, header)
