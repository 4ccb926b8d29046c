"""Start the app server with its libraries imported and the demo data loaded in advance.

``streamlit run app.py`` imports the geospatial stack (geopandas, shapely, pyproj, rasterio,
scipy, folium: several seconds on a small machine), reads the demo GeoPackage and computes
the hillshade only when the first visitor opens a page, so the first map took two to three
times as long as later ones. Here that work is done before the server accepts connections;
the process-wide caches (``st.cache_resource``) and the imported modules are then shared by
every session the server runs.

Usage (what ``make run`` does)::

    python -m ui.serve [streamlit options, e.g. --server.port 8501]

Network: the server listens on 127.0.0.1 (this machine only) unless ``$LANDPLAN_LISTEN``
(or ``--server.address``) names another address, which is refused until accounts exist or
single sign-on is configured (:func:`layers.team.check_listen_address`).
"""

from __future__ import annotations

import importlib
import logging
import sys
import time
from pathlib import Path

from geo.errors import InputError

APP = Path(__file__).resolve().parent.parent / "app.py"
#: What ``streamlit run`` is given: the app with the OGC API mounted (``ui/server_app.py``).
SERVER_APP = Path(__file__).resolve().parent / "server_app.py"

#: Modules the pages import; importing them here is what saves the first visitor's wait.
PRELOAD = (
    "analysis.capacity",
    "analysis.colocation",
    "analysis.contiguity",
    "analysis.indicators",
    "layers.zoning",
    "layers.scenario",
    "layers.store",
    "ui.maps",
    "ui.cache",
)


def warm_up() -> float:
    """Import the pages' modules, load the startup layers, their hillshade and the 总览 map
    payloads; return seconds."""
    start = time.perf_counter()
    import streamlit  # noqa: F401 — creates Streamlit's loggers, whose levels are set below

    # Outside a running session Streamlit warns on every cached call; nothing is wrong.
    quiet = [
        logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context"),
        logging.getLogger("streamlit.runtime.caching.cache_data_api"),
    ]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.ERROR)
    try:
        for name in PRELOAD:
            importlib.import_module(name)
        from ui.cache import hillshade, prune_static_cache, startup_layers, warm_map_payloads

        prune_static_cache()  # before anything is published, as the app itself does
        layers, problem = startup_layers()
        if problem is not None:
            print(f"{problem}\n→ 已改用示意数据 / the demo data is used instead", flush=True)
        layers.fingerprint(*layers.counts())
        if layers.dem_path is not None:
            hillshade(str(layers.dem_path))
        warm_map_payloads(layers)
    finally:
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Warm up, then run ``streamlit run app.py`` with ``argv`` (default: our own)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        args = listen_args(args)
    except InputError as exc:
        print(exc, file=sys.stderr, flush=True)
        return 2
    seconds = warm_up()
    print(f"坪山产业空间规划工具：预加载完成 / preloaded in {seconds:.1f} s", flush=True)
    print(f"请在浏览器中打开 / open in a browser: http://localhost:{_port(args)}", flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(SERVER_APP), *args]
    return cli.main()


def listen_args(args: list[str]) -> list[str]:
    """``args`` with ``--server.address`` set (``$LANDPLAN_LISTEN``, else 127.0.0.1), after
    checking the address may be served; says how users sign in."""
    import os

    from layers.team import LISTEN_ENV, LOCAL_ADDRESS, accounts_configured, check_listen_address

    given = _option(args, "--server.address")
    address = given or os.environ.get(LISTEN_ENV, "").strip() or LOCAL_ADDRESS
    check_listen_address(address)
    if not accounts_configured():
        print(
            "尚无账号：本机单用户模式，仅本机可访问 / no accounts yet: one local user, "
            "reachable from this machine only",
            flush=True,
        )
    return args if given else [*args, "--server.address", address]


def _option(args: list[str], name: str) -> str | None:
    """The value of ``name N`` or ``name=N`` in ``args``."""
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def _port(args: list[str]) -> str:
    """The port given as ``--server.port N`` or ``--server.port=N``; Streamlit's 8501 else."""
    return _option(args, "--server.port") or "8501"


if __name__ == "__main__":
    sys.exit(main())
