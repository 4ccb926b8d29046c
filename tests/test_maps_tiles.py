"""Vector tiles of a map payload (PMTiles written by GDAL) and the layer that draws them."""

from __future__ import annotations

import folium
import geopandas as gpd
import pyogrio
import shapely

from ui import maps


def small_payload() -> dict:
    parcels = gpd.GeoDataFrame(
        {
            "parcel_id": ["P1", "P2", "P3"],
            "park_id": ["gaoxin_south", None, "gaoxin_south"],
            "status": ["built", "available", "reserve"],
            "land_use": ["M1", "M0", "W"],
            "area_m2": [10000.0, 20000.0, 30000.0],
            "far_current": [1.2, None, 0.5],
            "name": ["<b>甲</b>", None, "乙"],
        },
        geometry=[
            shapely.box(114.350, 22.700, 114.351, 22.701),
            shapely.box(114.352, 22.700, 114.353, 22.701),
            shapely.box(114.354, 22.700, 114.355, 22.701),
        ],
        crs=4326,
    )
    return maps.parcels_payload(parcels, None)


def test_tiles_keep_every_feature_with_its_colour_and_escaped_tooltip_text(tmp_path):
    payload = small_payload()
    path = tmp_path / "p.pmtiles"
    path.write_bytes(maps.pmtiles_bytes(payload, "parcels"))
    read = pyogrio.read_dataframe(path, layer="parcels").sort_values("parcel_id")
    assert read["parcel_id"].tolist() == ["P1", "P2", "P3"]
    want = {f["properties"]["parcel_id"]: f["properties"] for f in payload["features"]}
    for row in read.itertuples():
        props = want[row.parcel_id]
        assert row.status_label == props["status_label"]
        assert read.loc[row.Index, "_color"] == props["_color"]
    # HTML in a name stays escaped, as in the GeoJSON payload.
    assert read.set_index("parcel_id").loc["P1", "name"] == "&lt;b&gt;甲&lt;/b&gt;"
    # Geometry kept to the tile grid's precision at the deepest zoom (a few metres).
    got = read.set_index("parcel_id").geometry.to_crs(4547)
    for feature in payload["features"]:
        original = gpd.GeoSeries([shapely.geometry.shape(feature["geometry"])], crs=4326).to_crs(
            4547
        )[0]
        assert got[feature["properties"]["parcel_id"]].hausdorff_distance(original) < 5.0


def test_tile_layer_script_loads_the_file_offline_and_escapes_labels():
    m = folium.Map(location=[22.7, 114.35], zoom_start=13, tiles=None)
    maps.add_tiles(
        m,
        "/app/static/cache/x.pmtiles",
        "地块 <i>",
        "parcels",
        tooltip_fields=[("parcel_id", "编号 <script>")],
    )
    maps.add_layer_control(m)
    page = m.get_root().render()
    assert "protomapsL.leafletLayer" in page
    assert '"/app/static/cache/x.pmtiles"' in page
    assert "/app/static/vendor/protomaps-leaflet/protomaps-leaflet.js" in page
    assert "编号 &lt;script&gt;" in page and "编号 <script>" not in page
    assert "\\u0026lt;i\\u0026gt;" in page and "<i>" not in page  # layer name, escaped
    # The same fill colour rule and defaults as the GeoJSON layer.
    assert '"fillOpacity": 0.75' in page and "f.props._color" in page
