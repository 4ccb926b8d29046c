"""Validation and normalisation of layers against the schema."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.errors import InputError
from layers.schema import CLUSTER, LAYER_SPECS, STATUS, required_fields, validate_layer


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
