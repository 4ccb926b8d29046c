"""Reading every kind of file planners bring, broken ones included, and writing layers out."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from geo.crs import METRIC_CRS, wgs84_to_gcj02
from geo.errors import InputError as ErrorsInputError
from geo.io import (
    InputError,
    ReadReport,
    read_layer,
    read_layer_with_report,
    write_csv,
    write_geojson,
    write_gpkg,
    write_xlsx,
)
from layers.catalog import DEMO_GPKG

XSS = "<img src=x onerror=alert(1)>"


def shp_safe(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns whose names fit the 10 characters a .dbf allows."""
    return gdf.drop(columns=["output_10k_cny"], errors="ignore")


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def metric_distance_m(a: gpd.GeoSeries, b: gpd.GeoSeries) -> np.ndarray:
    """Point-to-point distances in metres, row by row."""
    return a.to_crs(METRIC_CRS).distance(b.to_crs(METRIC_CRS), align=False).to_numpy()


def feature_collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def test_input_error_is_reexported() -> None:
    assert InputError is ErrorsInputError
    assert issubclass(InputError, ValueError)


# --------------------------------------------------------------------------------------
# Shapefiles and encodings
# --------------------------------------------------------------------------------------


def test_gbk_shapefile_without_cpg_reads_chinese(tmp_path, pingshan_points) -> None:
    path = tmp_path / "企业.shp"
    frame = shp_safe(pingshan_points).rename(columns={"name": "企业名称"})
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    gdf, report = read_layer_with_report(path)
    assert gdf["企业名称"].tolist() == ["比亚迪", "荣耀终端", "中芯国际"]
    assert report.encoding == "GBK/GB18030"
    assert report.format == "Shapefile"
    assert report.crs_origin == "embedded"


def test_gdal_alone_garbles_gbk_without_cpg(tmp_path, pingshan_points) -> None:
    # Documents why the fallback exists: the plain read gives mojibake, not an error.
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(shp_safe(pingshan_points), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    assert "比亚迪" not in pyogrio.read_dataframe(path)["name"].tolist()
    assert read_layer(path)["name"].iloc[0] == "比亚迪"


def test_shapefile_cpg_is_honoured(tmp_path, pingshan_points) -> None:
    path = tmp_path / "utf8.shp"
    pyogrio.write_dataframe(shp_safe(pingshan_points), path)  # GDAL writes a UTF-8 .cpg
    gdf, report = read_layer_with_report(path)
    assert gdf["name"].tolist() == ["比亚迪", "荣耀终端", "中芯国际"]
    assert report.encoding is not None and "(.cpg)" in report.encoding


def test_explicit_wrong_encoding_is_an_input_error(tmp_path, pingshan_points) -> None:
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(shp_safe(pingshan_points), path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    with pytest.raises(InputError, match="UTF-8"):
        read_layer(path, encoding="UTF-8")


def test_unknown_encoding_name_is_an_input_error(tmp_path) -> None:
    with pytest.raises(InputError, match="无法识别编码"):
        read_layer(tmp_path / "x.csv", encoding="no-such-codec")


def test_shapefile_without_prj_needs_a_coord_system(tmp_path, pingshan_points) -> None:
    path = tmp_path / "noprj.shp"
    pyogrio.write_dataframe(shp_safe(pingshan_points).to_crs(METRIC_CRS), path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(InputError) as err:
        read_layer(path)
    message = str(err.value)
    assert message.index("没有坐标系") < message.index("no CRS")  # Chinese first
    assert "noprj.shp" in message
    gdf, report = read_layer_with_report(path, coord_system=4547)
    assert report.crs_origin == "coord_system"
    assert report.source_crs.startswith("EPSG:4547")
    assert metric_distance_m(gdf.geometry, pingshan_points.geometry).max() < 0.01


def test_shapefile_missing_dbf(tmp_path, pingshan_points) -> None:
    path = tmp_path / "part.shp"
    pyogrio.write_dataframe(shp_safe(pingshan_points), path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(InputError, match=r"\.dbf"):
        read_layer(path)


def test_folder_with_one_shapefile(tmp_path, pingshan_parcels) -> None:
    folder = tmp_path / "parcels"
    folder.mkdir()
    pyogrio.write_dataframe(pingshan_parcels, folder / "宗地.shp")
    (folder / "readme.txt").write_text("说明")
    gdf, report = read_layer_with_report(folder)
    assert len(gdf) == 2
    assert report.member == "宗地.shp"


def test_folder_with_two_shapefiles_lists_them(tmp_path, pingshan_parcels) -> None:
    folder = tmp_path / "two"
    folder.mkdir()
    pyogrio.write_dataframe(pingshan_parcels, folder / "a.shp")
    pyogrio.write_dataframe(pingshan_parcels, folder / "b.shp")
    with pytest.raises(InputError) as err:
        read_layer(folder)
    assert "a.shp" in str(err.value) and "b.shp" in str(err.value)
    assert len(read_layer(folder, layer="b")) == 2


# --------------------------------------------------------------------------------------
# Excel and CSV tables
# --------------------------------------------------------------------------------------


def _write_sheet(path: Path, rows: list[list], title: str = "企业") -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_excel_chinese_headers_in_gcj02(tmp_path, pingshan_points) -> None:
    lon, lat = wgs84_to_gcj02(
        pingshan_points.geometry.x.to_numpy(), pingshan_points.geometry.y.to_numpy()
    )
    rows = [["企业名称", "经度", "纬度", "产值（万元）"]]
    rows += [
        [n, float(x), float(y), v]
        for n, x, y, v in zip(
            pingshan_points["name"], lon, lat, pingshan_points["output_10k_cny"], strict=True
        )
    ]
    path = tmp_path / "企业名录.xlsx"
    _write_sheet(path, rows)
    gdf, report = read_layer_with_report(path, coord_system="gcj02")
    assert gdf.crs == "EPSG:4326"
    assert gdf["企业名称"].tolist() == pingshan_points["name"].tolist()
    assert gdf["产值（万元）"].tolist() == pytest.approx([12.5, 3.25, 7.0])
    assert metric_distance_m(gdf.geometry, pingshan_points.geometry).max() < 0.5
    # The GCJ-02 numbers themselves are hundreds of metres off.
    raw = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    assert metric_distance_m(raw, pingshan_points.geometry).min() > 100
    assert (report.x_col, report.y_col) == ("经度", "纬度")
    assert report.source_crs == "GCJ-02"
    assert report.layer == "企业"
    assert report.warnings == []


def test_excel_title_rows_above_header_and_row_numbers(tmp_path) -> None:
    rows = [
        ["坪山区重点企业名录（示意）"],
        [],
        ["序号", "名称", "Lon", "LAT"],
        [1, "甲", 114.35, 22.70],
        [2, "乙", None, 22.71],
        [3, "丙", "n/a", 22.72],
        [4, "丁", 114.36, 22.71],
    ]
    path = tmp_path / "titled.xlsx"
    _write_sheet(path, rows)
    gdf, report = read_layer_with_report(path, coord_system="EPSG:4326")
    assert gdf["名称"].tolist() == ["甲", "丁"]
    assert report.rows_read == 4
    assert report.rows_kept == 2
    assert report.dropped_rows == [5, 6]  # spreadsheet rows, as Excel numbers them
    assert report.row_kind == "sheet_row"
    assert any("5, 6" in line for line in report.messages("zh"))


def test_excel_sheet_choice(tmp_path) -> None:
    path = tmp_path / "sheets.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本表为示意"])
    data = book.create_sheet("点位")
    data.append(["x", "y"])
    data.append([114.35, 22.7])
    book.save(path)
    with pytest.raises(InputError, match="找不到坐标列"):
        read_layer(path)
    gdf, report = read_layer_with_report(path, layer="点位")
    assert len(gdf) == 1 and report.layer == "点位"
    with pytest.raises(InputError) as err:
        read_layer(path, layer="没有")
    assert "点位" in str(err.value)


def test_corrupt_xlsx(tmp_path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a workbook at all")
    with pytest.raises(InputError, match="Excel 文件无法读取"):
        read_layer(path)


def test_old_xls_is_refused_with_advice(tmp_path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0not really")
    with pytest.raises(InputError, match=r"\.xlsx"):
        read_layer(path)


def test_csv_without_coordinate_columns_lists_columns(tmp_path) -> None:
    path = tmp_path / "no_coords.csv"
    path.write_text("企业名称,地址,行业\n比亚迪,坪山大道,汽车\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_layer(path)
    message = str(err.value)
    assert message.startswith("文件/图层「no_coords.csv」：找不到坐标列")
    for column in ("企业名称", "地址", "行业"):
        assert column in message
    assert "经度/纬度" in message and "lon/lat" in message


def test_csv_gbk_is_detected_and_lonlat_assumed_with_warning(tmp_path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("名称,经度,纬度\n坪山中心,114.35,22.70\n".encode("gbk"))
    gdf, report = read_layer_with_report(path)
    assert gdf["名称"].tolist() == ["坪山中心"]
    assert report.encoding == "GBK/GB18030"
    assert report.crs_origin == "assumed"
    warnings = report.warning_messages("zh")
    assert len(warnings) == 1 and "GCJ-02" in warnings[0]
    assert "GCJ-02" in report.warning_messages("en")[0]
    assert gdf.geometry.iloc[0].equals(Point(114.35, 22.70))


def test_csv_codes_keep_leading_zeros_and_numbers_become_numbers(tmp_path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text(
        "code,credit,value,lon,lat\n0012,914403001234567890,3.5,114.35,22.7\n"
        "0013,914403009876543210,4,114.36,22.71\n",
        encoding="utf-8-sig",
    )
    gdf = read_layer(path, coord_system="wgs84")
    assert gdf["code"].tolist() == ["0012", "0013"]
    assert gdf["credit"].tolist() == ["914403001234567890", "914403009876543210"]
    assert gdf["value"].tolist() == [3.5, 4.0]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separators_and_title_line(tmp_path, sep) -> None:
    path = tmp_path / "sep.csv"
    rows = [
        "企业名单（示意）",
        sep.join(["名称", "经度", "纬度"]),
        sep.join(['"甲,乙"', "114.35", "22.7"]),
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    assert gdf["名称"].tolist() == ["甲,乙"]
    assert gdf.geometry.iloc[0].equals(Point(114.35, 22.7))
    assert report.x_col == "经度"


def test_csv_projected_without_coord_system_is_an_error(tmp_path) -> None:
    path = tmp_path / "gk.csv"
    path.write_text("x,y\n535000,2511000\n", encoding="utf-8")
    with pytest.raises(InputError, match="EPSG:4547"):
        read_layer(path)


def test_projected_numbers_given_as_geographic_are_an_error(tmp_path) -> None:
    path = tmp_path / "gk.csv"
    path.write_text("x,y\n535000,2511000\n", encoding="utf-8")
    for system in ("EPSG:4326", "gcj02"):
        with pytest.raises(InputError) as err:
            read_layer(path, coord_system=system)
        assert "投影坐标" in str(err.value) and "projected" in str(err.value)


def test_gk_table_with_surveying_axes_is_swapped(tmp_path, pingshan_points) -> None:
    # Chinese survey tables call the northing X and the easting Y.
    gk = pingshan_points.to_crs(METRIC_CRS)
    table = pd.DataFrame({"X坐标": gk.geometry.y, "Y坐标": gk.geometry.x})
    path = tmp_path / "survey.csv"
    table.to_csv(path, index=False)
    gdf, report = read_layer_with_report(path, coord_system=METRIC_CRS)
    assert metric_distance_m(gdf.geometry, pingshan_points.geometry).max() < 0.01
    assert any("对调" in n for n in report.messages("zh"))


def test_explicit_columns_and_dms_text(tmp_path) -> None:
    path = tmp_path / "dms.csv"
    path.write_text("站点,E,N\n甲,114°21'00\"E,22°42'00\"N\n", encoding="utf-8")
    gdf = read_layer(path, x_col="e", y_col="N", coord_system="wgs84")
    assert gdf.geometry.iloc[0].x == pytest.approx(114.35)
    assert gdf.geometry.iloc[0].y == pytest.approx(22.70)
    with pytest.raises(InputError, match="同时指定"):
        read_layer(path, x_col="E")
    with pytest.raises(InputError, match="找不到指定的列"):
        read_layer(path, x_col="lon", y_col="lat")


def test_csv_wkt_column(tmp_path) -> None:
    path = tmp_path / "wkt.csv"
    path.write_text(
        'id,WKT\n1,"POLYGON ((114.35 22.7, 114.36 22.7, 114.36 22.71, 114.35 22.7))"\n2,not wkt\n',
        encoding="utf-8",
    )
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    assert gdf.geom_type.tolist() == ["Polygon"]
    assert report.wkt_col == "WKT" and report.dropped_rows == [3]


def test_rows_without_any_geometry_are_an_error(tmp_path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("name,lon,lat\na,,\nb,x,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="没有一条带有可用的几何"):
        read_layer(path)


# --------------------------------------------------------------------------------------
# GeoJSON, GeoPackage, geometry repair, CRS handling
# --------------------------------------------------------------------------------------


def test_geojson_bowtie_repaired_and_null_dropped(tmp_path) -> None:
    lon, lat, d = 114.35, 22.70, 0.001
    bowtie = [[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]
    square = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    path = tmp_path / "broken.geojson"
    path.write_text(
        feature_collection(
            [
                {
                    "type": "Feature",
                    "properties": {"name": "ok"},
                    "geometry": {"type": "Polygon", "coordinates": [square]},
                },
                {
                    "type": "Feature",
                    "properties": {"name": "bowtie"},
                    "geometry": {"type": "Polygon", "coordinates": [bowtie]},
                },
                {"type": "Feature", "properties": {"name": "null"}, "geometry": None},
            ]
        ),
        encoding="utf-8",
    )
    gdf, report = read_layer_with_report(path)
    assert gdf["name"].tolist() == ["ok", "bowtie"]
    assert report.n_repaired == 1 and report.repaired_rows == [2]
    assert report.n_dropped == 1 and report.dropped_rows == [3]
    fixed = gdf.geometry.iloc[1]
    assert fixed.geom_type == "MultiPolygon" and len(fixed.geoms) == 2
    assert fixed.is_valid
    assert fixed.area == pytest.approx(d * d / 2)  # two triangles of a quarter each
    assert list(gdf.index) == [0, 1]
    zh = "\n".join(report.messages("zh"))
    assert "修复了 1 个无效几何" in zh and "删除了 1 个空几何" in zh
    assert "Repaired 1 invalid" in "\n".join(report.messages("en"))


def test_repair_keeps_lines_lines_and_drops_collapsed(tmp_path) -> None:
    lon, lat = 114.35, 22.70
    gdf = gpd.GeoDataFrame(
        {"k": ["line", "spike", "good"]},
        geometry=[
            LineString([(lon, lat), (lon, lat)]),  # collapses to a point when repaired
            Polygon([(lon, lat), (lon + 0.001, lat), (lon + 0.002, lat)]),  # zero area
            Point(lon, lat),
        ],
        crs="EPSG:4326",
    )
    path = tmp_path / "collapse.gpkg"
    pyogrio.write_dataframe(gdf, path)
    out, report = read_layer_with_report(path)
    assert out["k"].tolist() == ["good"]
    assert report.collapsed_rows == [1, 2]
    assert report.n_dropped == 2


def test_geojson_projected_numbers(tmp_path, pingshan_points) -> None:
    gk = pingshan_points.to_crs(METRIC_CRS)
    features = [
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "Point", "coordinates": [p.x, p.y]},
        }
        for p in gk.geometry
    ]
    path = tmp_path / "metres.geojson"
    path.write_text(feature_collection(features), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert "EPSG:4547" in str(err.value)
    gdf = read_layer(path, coord_system="EPSG:4547")
    assert metric_distance_m(gdf.geometry, pingshan_points.geometry).max() < 0.01


def test_embedded_crs_is_used_and_reprojected(tmp_path, pingshan_parcels) -> None:
    path = tmp_path / "metric.gpkg"
    pyogrio.write_dataframe(pingshan_parcels.to_crs(METRIC_CRS), path)
    gdf, report = read_layer_with_report(path, coord_system="EPSG:32650")
    assert gdf.crs == "EPSG:4326"
    assert report.source_crs.startswith("EPSG:4547")
    assert len(report.warnings) == 1 and "EPSG:32650" in report.warnings[0].zh
    assert gdf.geometry.iloc[0].symmetric_difference(pingshan_parcels.geometry.iloc[0]).area < 1e-12


def test_embedded_4326_plus_gcj02_is_shifted(tmp_path, pingshan_points) -> None:
    lon, lat = wgs84_to_gcj02(
        pingshan_points.geometry.x.to_numpy(), pingshan_points.geometry.y.to_numpy()
    )
    gaode = pingshan_points.set_geometry(gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    path = tmp_path / "gaode.geojson"
    pyogrio.write_dataframe(gaode, path)
    gdf, report = read_layer_with_report(path, coord_system="GCJ-02")
    assert report.crs_origin == "embedded+shift"
    assert metric_distance_m(gdf.geometry, pingshan_points.geometry).max() < 0.5


def test_far_from_shenzhen_warns(tmp_path) -> None:
    path = tmp_path / "beijing.csv"
    path.write_text("name,lon,lat\n天安门,116.397,39.909\n", encoding="utf-8")
    gdf, report = read_layer_with_report(path, coord_system="wgs84")
    assert len(gdf) == 1
    assert any("远离深圳" in w for w in report.warning_messages("zh"))


def test_gpkg_two_layers_needs_a_choice(tmp_path, pingshan_points, pingshan_parcels) -> None:
    path = tmp_path / "two.gpkg"
    write_gpkg({"enterprises": pingshan_points, "parcels": pingshan_parcels}, path)
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert "enterprises" in str(err.value) and "parcels" in str(err.value)
    gdf, report = read_layer_with_report(path, layer="parcels")
    assert gdf["parcel_id"].tolist() == ["G001", "G002"]
    assert report.layer == "parcels"
    assert report.available_layers == ["enterprises", "parcels"]
    with pytest.raises(InputError, match="没有名为"):
        read_layer(path, layer="roads")


# --------------------------------------------------------------------------------------
# Basic file errors
# --------------------------------------------------------------------------------------


def test_missing_file(tmp_path) -> None:
    with pytest.raises(InputError, match="找不到文件"):
        read_layer(tmp_path / "nowhere.geojson")


def test_empty_file(tmp_path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert "空的" in str(err.value) and "empty.geojson" in str(err.value)


def test_file_over_max_bytes(tmp_path, pingshan_points) -> None:
    path = tmp_path / "big.geojson"
    write_geojson(pingshan_points, path)
    with pytest.raises(InputError, match="超过上限"):
        read_layer(path, max_bytes=100)
    with pytest.raises(InputError, match="超过上限"):
        read_layer(path.read_bytes(), filename="big.geojson", max_bytes=100)


def test_unsupported_extension(tmp_path) -> None:
    path = tmp_path / "drawing.dwg"
    path.write_bytes(b"AC1032")
    with pytest.raises(InputError) as err:
        read_layer(path)
    assert ".dwg" in str(err.value) and ".gpkg" in str(err.value)


def test_corrupt_file_wraps_gdal_error(tmp_path) -> None:
    path = tmp_path / "corrupt.gpkg"
    path.write_bytes(b"this is not a geopackage" * 20)
    with pytest.raises(InputError) as err:
        read_layer(path)
    message = str(err.value)
    assert "无法读取" in message and "GDAL:" in message
    truncated = tmp_path / "cut.geojson"
    truncated.write_text('{"type": "FeatureCollection", "features": [{"type": ', "utf-8")
    with pytest.raises(InputError, match="GDAL:"):
        read_layer(truncated)


# --------------------------------------------------------------------------------------
# Zips and uploads
# --------------------------------------------------------------------------------------


def _shapefile_bytes(gdf: gpd.GeoDataFrame, folder: Path, stem: str) -> dict[str, bytes]:
    folder.mkdir(exist_ok=True)
    pyogrio.write_dataframe(gdf, folder / f"{stem}.shp")
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_zip_with_shapefile_in_subfolder(
    tmp_path, make_zip, pingshan_parcels, private_tempdir
) -> None:
    parts = _shapefile_bytes(pingshan_parcels, tmp_path / "src", "宗地")
    archive = make_zip("parcels.zip", {f"data/{k}": v for k, v in parts.items()})
    gdf, report = read_layer_with_report(archive)
    assert gdf["parcel_id"].tolist() == ["G001", "G002"]
    assert report.member == "data/宗地.shp"
    assert files_under(private_tempdir) == []  # extraction folder removed


def test_zip_dot_dot_entry_is_rejected_before_extraction(
    tmp_path, make_zip, pingshan_points, private_tempdir, monkeypatch
) -> None:
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy_open(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    upload_dir = tmp_path / "uploads"
    upload_dir.mkdir()
    good = {"a.geojson": write_geojson(pingshan_points).encode("utf-8")}
    archive = make_zip("evil.zip", {**good, "../evil.txt": b"pwned"}, folder=upload_dir)
    opened.clear()  # building the archive went through ZipFile.open too
    before = files_under(tmp_path)
    with pytest.raises(InputError) as err:
        read_layer(archive)
    assert "../evil.txt" in str(err.value) and "不安全" in str(err.value)
    assert opened == []  # not even the safe entry was extracted
    assert files_under(tmp_path) == before
    assert not list(tmp_path.rglob("evil.txt"))
    # Same through the upload path, which unpacks inside a private temporary folder.
    with pytest.raises(InputError):
        read_layer(archive.read_bytes(), filename="evil.zip")
    assert files_under(tmp_path) == before


def test_zip_absolute_and_windows_paths_rejected(make_zip, pingshan_points) -> None:
    good = write_geojson(pingshan_points).encode("utf-8")
    for bad in ("/tmp/abs.geojson", "C:/Windows/x.geojson", "data\\..\\..\\x.geojson"):
        archive = make_zip("abs.zip", {"a.geojson": good, bad: good})
        with pytest.raises(InputError, match="不安全"):
            read_layer(archive)


def test_zip_symlink_rejected(make_zip, pingshan_points) -> None:
    good = write_geojson(pingshan_points).encode("utf-8")
    archive = make_zip("link.zip", {"a.geojson": good}, symlinks={"b.geojson": "/etc/passwd"})
    with pytest.raises(InputError, match="符号链接"):
        read_layer(archive)


def test_zip_bomb_rejected(make_zip) -> None:
    archive = make_zip("bomb.zip", {"a.geojson": b" " * 2_000_000})
    assert archive.stat().st_size < 50_000
    with pytest.raises(InputError, match="压缩炸弹"):
        read_layer(archive, max_bytes=1_000_000)


def test_zip_without_layer(make_zip) -> None:
    archive = make_zip("docs.zip", {"readme.txt": b"hello", "__MACOSX/._a.shp": b"x"})
    with pytest.raises(InputError) as err:
        read_layer(archive)
    assert "没有可读取的图层" in str(err.value) and "readme.txt" in str(err.value)


class _GbkNamedInfo(zipfile.ZipInfo):
    """An entry named in GBK without the UTF-8 flag, as Chinese Windows archivers write."""

    def _encodeFilenameFlags(self):  # overrides zipfile's private hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def test_zip_with_gbk_member_names(tmp_path, pingshan_points) -> None:
    archive = tmp_path / "gbk_names.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr(_GbkNamedInfo("企业/名录.geojson"), write_geojson(pingshan_points))
    with zipfile.ZipFile(archive) as check:
        assert check.infolist()[0].filename != "企业/名录.geojson"  # mojibake as stored
    gdf, report = read_layer_with_report(archive)
    assert report.member == "企业/名录.geojson"
    assert len(gdf) == 3


def test_not_a_zip(tmp_path) -> None:
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK not really")
    with pytest.raises(InputError, match="不是 ZIP"):
        read_layer(path)


def test_upload_bytes_and_file_objects(pingshan_points, private_tempdir) -> None:
    data = write_geojson(pingshan_points).encode("utf-8")
    gdf, report = read_layer_with_report(io.BytesIO(data), filename="C:\\用户\\企业.geojson")
    assert report.source == "企业.geojson"
    assert gdf["name"].tolist() == ["比亚迪", "荣耀终端", "中芯国际"]

    class Uploaded(io.BytesIO):
        name = "named.geojson"

    already_read = Uploaded(data)
    already_read.read()  # a preview consumed it; the reader still gets the whole content
    assert len(read_layer(already_read)) == 3
    assert len(read_layer(memoryview(data), filename="m.geojson")) == 3
    assert files_under(private_tempdir) == []
    with pytest.raises(InputError, match="缺少文件名"):
        read_layer(data)


def test_report_messages_are_bilingual() -> None:
    report = ReadReport(
        source="a.shp",
        format="Shapefile",
        rows_read=3,
        rows_kept=2,
        dropped_rows=[2],
        source_crs="EPSG:4547",
        crs_origin="embedded",
    )
    zh, en = report.messages("zh"), report.messages("en")
    assert zh[0] == "读取 a.shp（Shapefile）：3 条记录，保留 2 条"
    assert en[0] == "Read a.shp (Shapefile): 3 records, 2 kept"
    assert "要素序号：2" in zh[2]
    assert report.n_dropped == 1 and report.n_repaired == 0


# --------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _all_coordinates(geometry: dict) -> list[list[float]]:
    flat = np.asarray(shapely.get_coordinates(shapely.geometry.shape(geometry)))
    return flat.tolist()


def test_write_geojson_is_rfc7946(pingshan_parcels) -> None:
    parcels = pingshan_parcels.to_crs(METRIC_CRS)  # forces a reprojection on write
    parcels["far"] = [1.5, np.nan]
    parcels["built"] = [dt.date(2020, 5, 1), None]
    parcels["when"] = pd.to_datetime(["2024-01-02 03:04:05", None])
    parcels["label"] = [XSS, "普通"]
    text = write_geojson(parcels)
    doc = json.loads(text)
    assert "crs" not in doc and "coord_system" not in doc
    assert len(doc["features"]) == 2
    for feature in doc["features"]:
        for x, y in _all_coordinates(feature["geometry"]):
            assert 113.7 < x < 114.7 and 22.4 < y < 22.9
            assert _decimals(x) <= 6 and _decimals(y) <= 6
    props = [f["properties"] for f in doc["features"]]
    assert props[0]["far"] == 1.5 and props[1]["far"] is None
    assert props[0]["built"] == "2020-05-01"
    assert props[0]["when"] == "2024-01-02T03:04:05" and props[1]["when"] is None
    assert props[0]["label"] == XSS
    ring = shapely.geometry.shape(doc["features"][0]["geometry"])
    assert ring.exterior.is_ccw and not ring.interiors[0].is_ccw
    assert "NaN" not in text


def test_write_geojson_reorients_clockwise_input(tmp_path) -> None:
    cw = Polygon([(114.35, 22.70), (114.35, 22.71), (114.36, 22.71), (114.36, 22.70)])
    assert not cw.exterior.is_ccw
    gdf = gpd.GeoDataFrame(geometry=[cw], crs="EPSG:4326")
    path = tmp_path / "out.geojson"
    assert write_geojson(gdf, path) is None
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert shapely.geometry.shape(doc["features"][0]["geometry"]).exterior.is_ccw


def test_write_geojson_gcj02_variant(pingshan_points) -> None:
    doc = json.loads(write_geojson(pingshan_points, coord_system="gcj02"))
    assert doc["coord_system"] == "GCJ-02"
    assert "crs" not in doc
    lon, lat = wgs84_to_gcj02(
        pingshan_points.geometry.x.to_numpy(), pingshan_points.geometry.y.to_numpy()
    )
    got = np.array([f["geometry"]["coordinates"] for f in doc["features"]])
    np.testing.assert_allclose(got[:, 0], np.round(lon, 6), atol=1e-9)
    np.testing.assert_allclose(got[:, 1], np.round(lat, 6), atol=1e-9)
    with pytest.raises(InputError):
        write_geojson(pingshan_points, coord_system="EPSG:4547")


def test_write_geojson_needs_a_crs(pingshan_points) -> None:
    with pytest.raises(InputError, match="没有坐标系"):
        write_geojson(pingshan_points.set_crs(None, allow_override=True))


def test_geojson_round_trip_keeps_html_as_text(pingshan_points) -> None:
    points = pingshan_points.assign(name=[XSS, "a&b", "<b>粗</b>"])
    text = write_geojson(points)
    back = read_layer(text.encode("utf-8"), filename="x.geojson")
    assert back["name"].tolist() == [XSS, "a&b", "<b>粗</b>"]


def test_write_gpkg_round_trip(tmp_path, pingshan_points, pingshan_parcels) -> None:
    path = tmp_path / "out.gpkg"
    points = pingshan_points.assign(name=[XSS, "荣耀终端", "中芯国际"])
    write_gpkg({"enterprises": points, "parcels": pingshan_parcels}, path, crs=METRIC_CRS)
    assert sorted(pyogrio.list_layers(path)[:, 0]) == ["enterprises", "parcels"]
    assert pyogrio.read_info(path, layer="parcels")["crs"] == "EPSG:4547"
    back = read_layer(path, layer="enterprises")
    assert back["name"].tolist() == [XSS, "荣耀终端", "中芯国际"]
    assert metric_distance_m(back.geometry, pingshan_points.geometry).max() < 1e-3
    write_gpkg(pingshan_parcels, path)  # replaces the whole file
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["out"]
    assert [p.name for p in tmp_path.iterdir()] == ["out.gpkg"]  # no temporary left


def test_write_csv_round_trip_points_and_polygons(
    tmp_path, pingshan_points, pingshan_parcels
) -> None:
    points = pingshan_points.assign(name=[XSS, "荣耀终端", "中芯国际"])
    data = write_csv(points)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM so Excel detects UTF-8
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == "name,staff,output_10k_cny,lon,lat"
    back = read_layer(data, filename="p.csv", coord_system="wgs84")
    assert back["name"].tolist() == points["name"].tolist()
    assert back["staff"].tolist() == [1200, 800, 650]
    assert metric_distance_m(back.geometry, points.geometry).max() < 0.2

    path = tmp_path / "parcels.csv"
    write_csv(pingshan_parcels, path)
    back, report = read_layer_with_report(path, coord_system="wgs84")
    assert report.wkt_col == "wkt"
    assert (
        back.geometry.iloc[0].symmetric_difference(pingshan_parcels.geometry.iloc[0]).area < 1e-10
    )


def test_csv_round_trip_of_a_detailed_polygon(tmp_path) -> None:
    # 20 000 vertices give a WKT far above csv's default 128 kB field limit.
    circle = Point(114.35, 22.70).buffer(0.01, quad_segs=5000)
    gdf = gpd.GeoDataFrame({"name": ["圆"]}, geometry=[circle], crs="EPSG:4326")
    path = tmp_path / "circle.csv"
    write_csv(gdf, path)
    assert path.stat().st_size > 200_000
    back = read_layer(path, coord_system="wgs84")
    # Rounding to 6 decimals moves the outline by at most ≈ 0.05 m.
    assert back.geometry.iloc[0].symmetric_difference(circle).area < 1e-4 * circle.area
    assert shapely.get_num_coordinates(back.geometry.iloc[0]) > 15_000


def test_csv_cells_that_would_run_as_formulas_are_quoted_and_read_back(pingshan_points) -> None:
    names = ['=HYPERLINK("http://x","点我")', "-坪山公司", "@SUM(A1)"]
    points = pingshan_points.assign(name=names, staff=[-5, 800, 650])
    text = write_csv(points).decode("utf-8-sig")
    table = pd.read_csv(io.StringIO(text))
    assert table["name"].tolist() == ["'" + n for n in names]
    assert table["staff"].tolist() == [-5, 800, 650]  # numbers are left as they are
    back = read_layer(text.encode("utf-8"), filename="p.csv", coord_system="wgs84")
    assert back["name"].tolist() == names
    raw = pd.read_csv(io.BytesIO(write_csv(points, excel_safe=False)), encoding="utf-8-sig")
    assert raw["name"].tolist() == names


def test_write_csv_gcj02(pingshan_points) -> None:
    table = pd.read_csv(io.BytesIO(write_csv(pingshan_points, coord_system="gcj02")))
    lon, _ = wgs84_to_gcj02(
        pingshan_points.geometry.x.to_numpy(), pingshan_points.geometry.y.to_numpy()
    )
    np.testing.assert_allclose(table["lon"], lon, atol=1e-6)


def test_write_xlsx_round_trip_keeps_formulas_as_text(tmp_path, pingshan_points) -> None:
    points = pingshan_points.assign(name=["=1+1", XSS, "中芯国际"])
    path = tmp_path / "out.xlsx"
    write_xlsx(points, path)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    back = read_layer(path, coord_system="wgs84")
    assert back["name"].tolist() == ["=1+1", XSS, "中芯国际"]
    assert metric_distance_m(back.geometry, points.geometry).max() < 0.2
    assert isinstance(write_xlsx(points), bytes)


lonlat = st.tuples(st.floats(113.7, 114.7, allow_nan=False), st.floats(22.4, 22.9, allow_nan=False))


@settings(max_examples=30, deadline=None)
@given(st.lists(lonlat, min_size=1, max_size=20))
def test_geojson_round_trip_property(points: list[tuple[float, float]]) -> None:
    gdf = gpd.GeoDataFrame(
        {"i": range(len(points))}, geometry=[Point(p) for p in points], crs="EPSG:4326"
    )
    back = read_layer(write_geojson(gdf).encode("utf-8"), filename="p.geojson")
    assert back["i"].tolist() == list(range(len(points)))
    np.testing.assert_allclose(back.geometry.x, gdf.geometry.x, atol=1e-6)
    np.testing.assert_allclose(back.geometry.y, gdf.geometry.y, atol=1e-6)


def test_demo_layers_read_clean_and_round_trip() -> None:
    layers = [str(name) for name, _ in pyogrio.list_layers(DEMO_GPKG)]
    assert {"parcels", "enterprises", "boundary"} <= set(layers)
    for name in layers:
        gdf, report = read_layer_with_report(DEMO_GPKG, layer=name)
        assert gdf.crs == "EPSG:4326"
        assert report.rows_kept == report.rows_read > 0, name
        assert report.n_repaired == 0 and report.n_dropped == 0, name
        assert report.warnings == [], name  # inside lon 109–118, lat 20–26
    parcels = read_layer(DEMO_GPKG, layer="parcels")
    back = read_layer(write_geojson(parcels).encode("utf-8"), filename="parcels.geojson")
    assert len(back) == len(parcels)
    assert back["parcel_id"].tolist() == parcels["parcel_id"].tolist()
    metric = parcels.to_crs(METRIC_CRS)
    # Rounding to 1e-6° moves a vertex by at most ≈ 0.08 m here, so the area by ≤ that × perimeter.
    change_m2 = np.abs(back.to_crs(METRIC_CRS).area.to_numpy() - metric.area.to_numpy())
    assert (change_m2 <= 0.08 * metric.length.to_numpy()).all()
