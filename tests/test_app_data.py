"""The 数据导入导出 page: imports are validated and confirmed; failures change nothing."""

import io

import geopandas as gpd
import pandas as pd
import shapely

from geo.crs import wgs84_to_gcj02
from layers.catalog import load_demo
from tests.app_harness import app

PAGE = "ui/data_page.py"


def upload(at, name: str, data: bytes, mime: str = "application/octet-stream"):
    at.file_uploader(key="import_file").set_value((name, data, mime)).run()
    at.button[0].click().run()  # 读取并校验
    return at


def active(at):
    return at.session_state["layers"]


def test_page_renders_with_export_of_every_layer():
    with app(PAGE) as (at, _):
        assert not at.exception
        options = at.selectbox(key="export_choice").options
        assert len(options) == 6
        assert any("geojson" in b.label for b in at.get("download_button"))


def test_bad_file_shows_chinese_error_and_keeps_layers():
    broken = gpd.GeoDataFrame(
        {"名称": ["甲"]}, geometry=[shapely.box(114.3, 22.7, 114.31, 22.71)], crs=4326
    )
    with app(PAGE) as (at, _):
        before = active(at)
        upload(at, "broken.geojson", broken.to_json().encode())
        assert not at.exception
        message = at.error[0].value
        assert message.splitlines()[0].startswith("文件/图层「broken")
        assert "缺少字段" in message
        assert active(at) is before
        assert active(at).counts()["parcels"] == len(load_demo().parcels)


def test_empty_file_is_refused():
    with app(PAGE) as (at, _):
        upload(at, "empty.csv", b"")
        assert "空" in at.error[0].value
        assert active(at).is_demo


def test_excel_in_gcj02_becomes_the_active_enterprise_layer():
    lon, lat = 114.36, 22.72
    glon, glat = wgs84_to_gcj02(lon, lat)
    table = pd.DataFrame(
        {
            "企业编号": ["X1", "X2"],
            "企业名称": ["<b>粗体</b>有限公司", "乙公司"],
            "产业集群": ["智能网联汽车", "芯片"],
            "是否规上": ["是", "否"],
            "产值": [3000, 800],
            "经度": [glon, glon + 0.01],
            "纬度": [glat, glat],
        }
    )
    buffer = io.BytesIO()
    table.to_excel(buffer, index=False)
    with app(PAGE) as (at, _):
        at.selectbox(key="import_kind").set_value("enterprises")
        at.selectbox(key="import_system").set_value("gcj02")
        upload(at, "firms.xlsx", buffer.getvalue())
        assert not at.exception
        assert not at.error, [e.value for e in at.error]
        assert active(at).is_demo  # nothing replaced before confirming
        confirm = next(b for b in at.button if b.label == "设为当前图层")
        confirm.click().run()
        layers = active(at)
        assert not layers.is_demo
        assert layers.counts()["enterprises"] == 2
        assert layers.counts()["parcels"] == len(load_demo().parcels)
        firms = layers.enterprises
        assert list(firms.cluster) == ["car", "chip"]
        assert firms.name.iloc[0] == "<b>粗体</b>有限公司"
        assert (
            abs(firms.geometry.x.iloc[0] - lon) < 1e-5
            and abs(firms.geometry.y.iloc[0] - lat) < 1e-5
        )


def test_geojson_export_is_rfc7946():
    with app(PAGE) as (at, _):
        at.selectbox(key="export_choice").set_value("layer:parks")
        at.selectbox(key="export_format").set_value("geojson").run()
        button = at.get("download_button")[0]
        assert "parks.geojson" in button.label
