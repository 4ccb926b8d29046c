"""The app server as an ASGI application: the Streamlit app (``app.py``) with the OGC API
– Features endpoint mounted under ``/ogc`` on the same port.

``python -m ui.serve`` (what ``make run`` starts) hands this file to ``streamlit run``,
which finds the ``app`` below and serves it with uvicorn. The endpoint reads the layers the
pages show (:func:`ui.cache.startup_layers`) and the workspace's scenario store; it accepts a
system token or the signed-in browser session, whose cookie ``/auth/session`` sets
(:mod:`ui.session_cookie`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # streamlit run puts this file's folder first, not the root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.routing import Mount  # noqa: E402

from geo.errors import InputError  # noqa: E402
from layers.catalog import LayerSet  # noqa: E402
from layers.store import ScenarioStore, store_location  # noqa: E402
from layers.team import PRIVATE  # noqa: E402
from ogc import Catalog, create_app, default_token_store, limits_from_env  # noqa: E402
from ui.cache import startup_layers, store_at, the_team  # noqa: E402
from ui.session_cookie import cookie_principal, session_routes  # noqa: E402

#: Mount point of the OGC API – Features endpoint.
OGC_PATH = "/ogc"

# The endpoint calls the process-wide caches outside any page run; nothing is wrong.
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)


def _layers() -> LayerSet:
    return startup_layers()[0]


try:
    _limits = limits_from_env(os.environ)
except InputError as exc:  # a bad LANDPLAN_OGC_* setting: say which, do not start
    raise SystemExit(str(exc)) from None


def _store() -> ScenarioStore:
    """The deployment's scenario store, unguarded: the endpoint is read-only and decides
    what each caller sees itself (:func:`ogc.visible_scenarios`)."""
    return store_at(store_location())


def _private_owners() -> dict[str, str]:
    """Scenario id → owner of every private scenario (none without accounts)."""
    team = the_team()
    if team is None:
        return {}
    return {sid: s.owner for sid, s in team.sharings().items() if s.visibility == PRIVATE}


ogc_app = create_app(
    Catalog(_layers, _store, _private_owners),
    default_token_store,
    limits=_limits,
    session_principal=cookie_principal(the_team),
)
app = st.App(str(ROOT / "app.py"), routes=[*session_routes(the_team), Mount(OGC_PATH, app=ogc_app)])
