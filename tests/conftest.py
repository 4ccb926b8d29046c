"""Shared fixtures: small layers in 坪山 and builders for deliberately broken files."""

from __future__ import annotations

import os
import stat
import tempfile
import uuid
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

#: A point near the 坪山 district centre (WGS84 lon, lat).
PINGSHAN_LONLAT = (114.35, 22.70)


@pytest.fixture(autouse=True)
def own_workspace(tmp_path_factory, monkeypatch) -> Path:
    """Every test writes scenarios and kept imports to a folder of its own, never to the
    repository's ./workspace."""
    folder = tmp_path_factory.mktemp("workspace")
    monkeypatch.setenv("LANDPLAN_WORKSPACE", str(folder))
    return folder


@pytest.fixture
def pingshan_points() -> gpd.GeoDataFrame:
    """Three WGS84 points in 坪山 with Chinese names, an integer and a float column."""
    lon, lat = PINGSHAN_LONLAT
    return gpd.GeoDataFrame(
        {
            "name": ["比亚迪", "荣耀终端", "中芯国际"],
            "staff": [1200, 800, 650],
            "output_10k_cny": [12.5, 3.25, 7.0],
        },
        geometry=[Point(lon, lat), Point(lon + 0.01, lat + 0.005), Point(lon - 0.02, lat - 0.01)],
        crs="EPSG:4326",
    )


@pytest.fixture
def pingshan_parcels() -> gpd.GeoDataFrame:
    """Two adjacent WGS84 parcels (≈ 100 m squares) in 坪山, one with a hole."""
    lon, lat = PINGSHAN_LONLAT
    d = 0.001
    outer = [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)]
    hole = [(lon + d / 4, lat + d / 4), (lon + d / 2, lat + d / 4), (lon + d / 2, lat + d / 2)]
    second = [(lon + d, lat), (lon + 2 * d, lat), (lon + 2 * d, lat + d), (lon + d, lat + d)]
    return gpd.GeoDataFrame(
        {"parcel_id": ["G001", "G002"], "status": ["built", "available"]},
        geometry=[Polygon(outer, [hole]), Polygon(second)],
        crs="EPSG:4326",
    )


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[..., Path]:
    """Build a zip with arbitrary entry names (unsafe ones included) and symbolic links.

    ``make_zip("a.zip", {"dir/x.txt": b"..."}, symlinks={"link": "/etc/passwd"})`` writes
    the entries exactly as named, which ``zipfile.ZipFile.write`` would sanitise.
    """

    def build(
        name: str,
        entries: Mapping[str, bytes],
        *,
        symlinks: Mapping[str, str] | None = None,
        folder: Path | None = None,
    ) -> Path:
        path = (folder or tmp_path) / name
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for entry, data in entries.items():
                archive.writestr(zipfile.ZipInfo(entry), data, compress_type=zipfile.ZIP_DEFLATED)
            for entry, target in (symlinks or {}).items():
                info = zipfile.ZipInfo(entry)
                info.create_system = 3  # Unix, so external_attr carries the file mode
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                archive.writestr(info, target)
        return path

    return build


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point :mod:`tempfile` at an empty folder, to check what code leaves behind in it."""
    folder = tmp_path / "system_tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL 15 + PostGIS server for this test session (one per worker).

    Missing PostgreSQL fails the test under CI (``CI=true``) or with ``REQUIRE_POSTGRES=1``,
    and skips it elsewhere, saying what to install.
    """
    from benchmarks.postgres import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required here: {exc}")
        pytest.skip(f"{exc} (set REQUIRE_POSTGRES=1 to fail instead)")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """A new, empty PostGIS database for one test; dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)


@pytest.fixture(params=("gpkg", "postgis"))
def store(request, tmp_path):
    """An empty scenario store, once per backend (:mod:`tests.store_backends`)."""
    from tests.store_backends import make_store

    return make_store(request.param, request, tmp_path)
