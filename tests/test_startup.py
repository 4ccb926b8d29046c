"""How the server starts: the layers every session opens with (LANDPLAN_DATA or the demo)
and the preload that ui.serve does before the first visit."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from layers.catalog import load_demo
from tests.app_harness import app
from ui.cache import DATA_ENV, startup_layers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh_startup(monkeypatch):
    """startup_layers is cached per process: clear it around each test."""
    startup_layers.clear()
    yield monkeypatch
    startup_layers.clear()


def test_sessions_open_on_the_geopackage_named_by_landplan_data(fresh_startup, tmp_path):
    demo = load_demo()
    own = tmp_path / "own.gpkg"
    demo.parcels.iloc[:25].to_file(own, layer="parcels", driver="GPKG")
    demo.parks.to_file(own, layer="parks", driver="GPKG")
    fresh_startup.setenv(DATA_ENV, str(own))
    with app("ui/overview_page.py") as (at, _):
        assert not at.exception
        layers = at.session_state["layers"]
        assert not layers.is_demo
        assert layers.counts()["parcels"] == 25
        assert layers.enterprises is None
        assert not any("示意数据" in i.value for i in at.info)


def test_unusable_landplan_data_is_reported_and_the_demo_shown(fresh_startup, tmp_path):
    fresh_startup.setenv(DATA_ENV, str(tmp_path / "missing.gpkg"))
    with app("ui/overview_page.py") as (at, _):
        assert not at.exception
        assert at.error[0].value.startswith("文件/图层")
        assert "找不到数据文件" in at.error[0].value
        assert any(DATA_ENV in w.value for w in at.warning)
        layers = at.session_state["layers"]
        assert layers.is_demo and layers.counts()["parcels"] == len(load_demo().parcels)


def test_preload_leaves_the_map_component_to_the_server():
    # A Streamlit component imported before the server runs never gets its frame filled,
    # so the preload must not import streamlit_folium (nor anything importing it).
    code = (
        "import sys, ui.serve as s; seconds = s.warm_up(); "
        "from ui.cache import startup_layers; layers, problem = startup_layers(); "
        "assert problem is None and layers.is_demo; "
        "assert 'geopandas' in sys.modules and 'rasterio' in sys.modules; "
        "print('streamlit_folium' in sys.modules, seconds > 0)"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


def test_server_config_keeps_the_tool_offline_and_serves_the_map_assets():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    # The welcome message would look up the public IP on the internet.
    assert config["logger"]["hideWelcomeMessage"] is True
    assert config["server"]["enableStaticServing"] is True


def test_serve_names_the_port_it_was_given():
    from ui.serve import _port

    assert _port(["--server.port", "8600", "--server.headless", "true"]) == "8600"
    assert _port(["--server.port=8601"]) == "8601"
    assert _port([]) == "8501"
