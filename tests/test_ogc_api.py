"""The OGC API – Features endpoint of a running server, read by GDAL's OAPIF driver and by
plain HTTP.

One server is started for the module the way ``make run`` starts it (``python -m ui.serve``,
:func:`benchmarks.browser.start_app`) on a free port, with a temporary workspace holding a
saved scenario and an access token. Every collection read through GDAL must hold exactly
the features and attributes of the GeoJSON export of the same layer or result
(:func:`geo.io.write_geojson`, read back by GDAL's GeoJSON driver).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from analysis.capacity import rule_capacity
from analysis.contiguity import contiguous_blocks
from benchmarks.browser import start_app, stop_app
from geo.io import write_geojson
from layers.catalog import load_demo
from layers.scenario import apply, new_scenario, remove_parcel, set_attributes
from layers.schema import INDUSTRIAL_LAND_USES
from layers.store import STORE_FILE_NAME, GpkgScenarioStore
from ogc import CONFORMANCE, CONTIGUITY_STATUSES, TOKEN_FILE_NAME, TokenStore

BBOX = (114.40, 22.68, 114.42, 22.70)


@pytest.fixture(scope="module")
def demo():
    return load_demo()


@pytest.fixture(scope="module")
def server(tmp_path_factory, demo):
    """A running server; yields (base URL of /ogc, token, scenario, workspace)."""
    workspace = tmp_path_factory.mktemp("workspace")
    store = GpkgScenarioStore(workspace / STORE_FILE_NAME)
    ids = demo.parcels["parcel_id"].tolist()
    scenario = new_scenario("高新南改造", author="测试")
    scenario = scenario.with_edit(set_attributes(ids[:5], status="low_efficiency"))
    scenario = store.save(scenario.with_edit(remove_parcel(ids[5])))
    token = TokenStore(workspace / TOKEN_FILE_NAME).create("gdal")
    env = dict(os.environ, LANDPLAN_WORKSPACE=str(workspace), PYTHONUNBUFFERED="1")
    env.pop("LANDPLAN_DATA", None)
    log = open(tmp_path_factory.mktemp("logs") / "server.log", "w")  # noqa: SIM115
    proc, url = start_app(env, log)
    yield f"{url}/ogc", token, scenario, workspace
    stop_app(proc)
    log.close()


@pytest.fixture
def gdal_token(server):
    """GDAL sends the token as a Bearer header (GDAL_HTTP_AUTH=BEARER)."""
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": "BEARER", "GDAL_HTTP_BEARER": server[1]})
    yield
    pyogrio.set_gdal_config_options({"GDAL_HTTP_AUTH": None, "GDAL_HTTP_BEARER": None})


def get(url: str, token: str | None = None) -> tuple[int, dict, str]:
    """Status, JSON body and Content-Type of a GET."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return (
                response.status,
                json.loads(response.read().decode("utf-8")),
                response.headers["Content-Type"],
            )
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read().decode("utf-8")), exc.headers["Content-Type"]


def expected_layers(demo, scenario) -> dict:
    """Every collection the server must publish, computed here from the same functions."""
    applied = apply(scenario, demo)

    def analyses(layers, prefix):
        blocks = contiguous_blocks(
            layers.parcels,
            statuses=list(CONTIGUITY_STATUSES),
            land_uses=list(INDUSTRIAL_LAND_USES),
            barriers=layers.constraints,
        ).blocks
        return {
            f"{prefix}contiguity_blocks": blocks,
            f"{prefix}capacity": rule_capacity(layers.parcels),
        }

    prefix = f"scenario-{scenario.id}-"
    found = {
        k: demo.layer(k)
        for k in ("parcels", "enterprises", "parks", "corridor_axis", "constraints", "boundary")
    }
    found.update(analyses(demo, ""))
    found[f"{prefix}parcels"] = applied.layers.parcels
    found[f"{prefix}changes"] = applied.changes
    found.update(analyses(applied.layers, prefix))
    return found


def exported(gdf, tmp_path, name):
    """The layer as the GeoJSON export writes it, read back by GDAL."""
    path = tmp_path / f"{name}.geojson"
    write_geojson(gdf, path)
    return pyogrio.read_dataframe(path)


def assert_same_features(served, export, id_column):
    assert len(served) == len(export)
    if id_column is not None and "id" in served.columns:
        # GDAL turns a string feature id into an ``id`` field: it must be the id column.
        assert served["id"].tolist() == served[id_column].astype(str).tolist()
        served = served.drop(columns="id")
    assert list(served.columns) == list(export.columns)
    for column in export.columns:
        if column == "geometry":
            continue
        a, b = served[column], export[column]
        if pd.api.types.is_numeric_dtype(b.dtype) and not pd.api.types.is_bool_dtype(b.dtype):
            np.testing.assert_allclose(
                pd.to_numeric(a, errors="coerce").to_numpy(dtype=float),
                b.to_numpy(dtype=float),
                rtol=0,
                atol=0,
                equal_nan=True,
                err_msg=column,
            )
        else:
            assert (
                a.astype(object).where(a.notna(), None).tolist()
                == b.astype(object).where(b.notna(), None).tolist()
            ), column
    assert shapely.equals_exact(
        served.geometry.to_numpy(), export.geometry.to_numpy(), tolerance=1e-9
    ).all()


def test_gdal_reads_every_collection_as_the_geojson_export_has_it(
    server, gdal_token, demo, tmp_path
):
    base, _, scenario, _ = server
    expected = expected_layers(demo, scenario)
    listed = dict(pyogrio.list_layers(f"OAPIF:{base}"))
    assert sorted(listed) == sorted(expected)
    id_columns = {
        "parcels": "parcel_id",
        "enterprises": "ent_id",
        "parks": "park_id",
        "changes": "parcel_id",
        "capacity": "parcel_id",
    }
    for name, gdf in expected.items():
        served = pyogrio.read_dataframe(f"OAPIF:{base}", layer=name)
        assert served.crs.to_epsg() == 4326, name
        kind = name.rsplit("-", 1)[-1]
        assert_same_features(served, exported(gdf, tmp_path, "x"), id_columns.get(kind))
    # The scenario's edits are what GDAL sees: the removed parcel is gone, the changed ones
    # are low-efficiency land.
    parcels = pyogrio.read_dataframe(f"OAPIF:{base}", layer=f"scenario-{scenario.id}-parcels")
    ids = demo.parcels["parcel_id"].tolist()
    assert ids[5] not in set(parcels["parcel_id"])
    assert set(parcels.set_index("parcel_id").loc[ids[:5], "status"]) == {"low_efficiency"}


def test_gdal_pages_and_filters_by_bbox(server, gdal_token, demo, tmp_path):
    base = server[0]
    paged = pyogrio.read_dataframe(f"OAPIF:{base}", layer="parcels", PAGE_SIZE="500")
    assert paged["parcel_id"].tolist() == demo.parcels["parcel_id"].tolist()
    export = exported(demo.parcels, tmp_path, "parcels")
    inside = export[shapely.intersects(export.geometry.to_numpy(), shapely.box(*BBOX))]
    assert 50 < len(inside) < len(export)  # a real selection
    boxed = pyogrio.read_dataframe(f"OAPIF:{base}", layer="parcels", bbox=BBOX)
    assert sorted(boxed["parcel_id"]) == sorted(inside["parcel_id"])


def test_landing_conformance_and_collections_have_the_required_members(server):
    base, token, scenario, _ = server
    status, landing, content_type = get(f"{base}/", token)
    assert status == 200 and content_type.startswith("application/json")
    rels = {link["rel"]: link for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert all({"href", "rel", "type"} <= set(link) for link in landing["links"])
    assert rels["data"]["href"] == f"{base}/collections"
    assert "坪山" in landing["title"]

    status, api, content_type = get(rels["service-desc"]["href"], token)
    assert status == 200 and "openapi" in content_type and api["openapi"].startswith("3.0")
    assert "/collections/{collectionId}/items" in api["paths"]

    status, conformance, _ = get(rels["conformance"]["href"], token)
    assert status == 200
    assert {
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    } <= set(conformance["conformsTo"])
    assert set(conformance["conformsTo"]) == set(CONFORMANCE)

    status, collections, _ = get(f"{base}/collections", token)
    assert status == 200
    assert any(link["rel"] == "self" for link in collections["links"])
    ids = [c["id"] for c in collections["collections"]]
    assert f"scenario-{scenario.id}-changes" in ids
    for c in collections["collections"]:
        assert {"id", "links", "extent"} <= set(c)
        items = [link for link in c["links"] if link["rel"] == "items"]
        assert items and items[0]["type"] == "application/geo+json"
        west, south, east, north = c["extent"]["spatial"]["bbox"][0]
        assert 114.2 < west < east < 114.5 and 22.6 < south < north < 22.8, c["id"]
        status, one, _ = get(f"{base}/collections/{c['id']}", token)
        assert status == 200 and one["id"] == c["id"]
    titles = {c["id"]: c["title"] for c in collections["collections"]}
    assert "高新南改造" in titles[f"scenario-{scenario.id}-parcels"]


def test_items_page_with_next_prev_links_counts_and_filters(server, demo):
    base, token, _, _ = server
    built = demo.parcels[demo.parcels["status"] == "built"]
    url = f"{base}/collections/parcels/items?status=built&limit=400"
    seen, pages = [], 0
    while url:
        status, page, content_type = get(url, token)
        assert status == 200 and content_type.startswith("application/geo+json")
        assert page["type"] == "FeatureCollection"
        assert page["numberMatched"] == len(built)
        assert page["numberReturned"] == len(page["features"]) <= 400
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert ("prev" in rels) == (pages > 0)
        seen += [f["id"] for f in page["features"]]
        assert all(f["properties"]["status"] == "built" for f in page["features"])
        url, pages = rels.get("next"), pages + 1
    assert seen == built["parcel_id"].tolist()
    assert pages == -(-len(built) // 400)

    status, page, _ = get(
        f"{base}/collections/enterprises/items?cluster=chip,car&limit=10000", token
    )
    chosen = demo.enterprises[demo.enterprises["cluster"].isin(["chip", "car"])]
    assert status == 200 and [f["id"] for f in page["features"]] == chosen["ent_id"].tolist()


def test_item_by_id_in_utf8_with_chinese_text(server, demo):
    base, token, _, _ = server
    park = demo.parks.iloc[0]
    status, feature, content_type = get(f"{base}/collections/parks/items/{park.park_id}", token)
    assert status == 200 and content_type.startswith("application/geo+json")
    assert feature["type"] == "Feature" and feature["id"] == park.park_id
    assert feature["properties"]["name"] == park["name"]  # Chinese, as stored
    assert feature["properties"]["source"] == "示意数据"
    raw = urllib.request.urlopen(
        urllib.request.Request(
            f"{base}/collections/parks/items/{park.park_id}",
            headers={"Authorization": f"Bearer {token}"},
        ),
        timeout=30,
    ).read()
    assert "示意数据".encode() in raw  # UTF-8, not \\u escapes
    status, boundary, _ = get(f"{base}/collections/boundary/items/1", token)
    assert status == 200 and boundary["properties"]["name"] == demo.boundary.iloc[0]["name"]


@pytest.mark.parametrize(
    ("path", "status", "word"),
    [
        ("/?foo=1", 400, "foo"),
        ("/collections?f=xml", 400, "xml"),
        ("/collections/nothing", 404, "nothing"),
        ("/collections/nothing/items", 404, "nothing"),
        ("/collections/parcels/items/NO-SUCH-PARCEL", 404, "NO-SUCH-PARCEL"),
        ("/collections/parcels/items?bbox=1,2,3", 400, "bbox"),
        ("/collections/parcels/items?bbox=114.5,22.6,114.4,22.7", 400, "bbox"),
        ("/collections/parcels/items?bbox=113,22,115,24", 400, "km²"),
        ("/collections/parcels/items?limit=0", 400, "limit"),
        ("/collections/parcels/items?limit=1000000", 400, "limit"),
        ("/collections/parcels/items?offset=-1", 400, "offset"),
        ("/collections/parcels/items?colour=red", 400, "colour"),
        ("/collections/parcels/items?f=html", 400, "html"),
    ],
)
def test_bad_requests_are_json_errors_in_both_languages(server, path, status, word):
    base, token, _, _ = server
    got, body, content_type = get(f"{base}{path}", token)
    assert got == status and content_type.startswith("application/json")
    assert set(body) == {"code", "description"}
    zh, en = body["description"].split("\n")
    assert word in zh and word in en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in en)
    assert "features" not in body


def test_no_token_a_wrong_one_or_a_revoked_one_gets_401_and_no_data(server):
    base, token, _, workspace = server
    for url, sent in [
        (f"{base}/collections/parcels/items", None),
        (f"{base}/collections/parcels/items", "lp_not-a-token"),
        (f"{base}/", None),
        (f"{base}/collections", "nonsense"),
    ]:
        status, body, _ = get(url, sent)
        assert status == 401 and body["code"] == "Unauthorized"
        assert "features" not in body and "collections" not in body
    # ?token= for clients that cannot send headers
    status, body, _ = get(f"{base}/collections/parks/items?token={token}")
    assert status == 200 and body["numberReturned"] == body["numberMatched"] > 0
    assert all("token" not in link["href"] for link in body["links"])
    store = TokenStore(workspace / TOKEN_FILE_NAME)
    spare = store.create("spare")
    assert get(f"{base}/conformance", spare)[0] == 200
    store.revoke("spare")
    assert get(f"{base}/conformance", spare)[0] == 401
