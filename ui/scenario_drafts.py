"""Unsaved working copies kept across a browser refresh, and a warning before leaving.

A refresh (or a server restart) starts a new Streamlit session, which would lose the
working copy held in the old one. So each browser tab gets a draft token in its address
(``?draft=…``, next to ``?scenario=…``); while the working copy has unsaved edits it is
written to ``<workspace>/drafts/<token>.json`` (the scenario exchange GeoJSON plus the
stored version and how many of its edits are saved), and removed once saved or reverted.
A new session whose address carries the token reopens the draft instead of the stored
version and says so. Tokens are 12 hex digits; anything else in the address is ignored.

While there are unsaved edits, :func:`guard_unload` makes the browser ask before the page
is left or reloaded (a ``beforeunload`` handler installed on the app's page from a
zero-height component frame of the same origin).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import replace
from pathlib import Path

import streamlit as st
import streamlit.components.v1 as components

from geo.errors import InputError
from layers.exchange import scenario_from_geojson, scenario_to_geojson
from layers.scenario import Scenario
from layers.workspace import workspace_dir

__all__ = [
    "DRAFT_PARAM",
    "draft_token",
    "drop_draft",
    "guard_unload",
    "keep_draft",
    "read_draft",
]

#: Address parameter holding this tab's draft token.
DRAFT_PARAM = "draft"
_TOKEN = re.compile(r"^[0-9a-f]{12}$")
#: Session key: the fingerprint of the draft last written (to write only on change).
_WRITTEN = "scenario_draft_written"


def draft_token() -> str:
    """This tab's draft token: the one in the address if valid, else a new one put there."""
    token = str(st.query_params.get(DRAFT_PARAM) or "")
    if not _TOKEN.match(token):
        token = secrets.token_hex(6)
        st.query_params[DRAFT_PARAM] = token
    return token


def _path(token: str) -> Path:
    if not _TOKEN.match(token):
        raise ValueError("bad draft token")
    return workspace_dir() / "drafts" / f"{token}.json"


def keep_draft(token: str, scenario: Scenario) -> None:
    """Write the working copy (with unsaved edits) as this tab's draft, when it changed."""
    mark = (token, scenario.fingerprint(), scenario.name, scenario.version)
    if st.session_state.get(_WRITTEN) == mark:
        return
    path = _path(token)
    data = {
        "version": scenario.version,
        "saved_edit_count": scenario.saved_edit_count,
        "scenario": json.loads(scenario_to_geojson(scenario)),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, InputError):  # read-only workspace: the session keeps the working copy
        return
    st.session_state[_WRITTEN] = mark


def read_draft(token: str, scenario_id: str) -> Scenario | None:
    """This tab's draft of scenario ``scenario_id``, or None (no draft, another scenario's,
    or unreadable: then the stored version opens as usual)."""
    if not _TOKEN.match(token):
        return None
    try:
        data = json.loads(_path(token).read_text(encoding="utf-8"))
        scenario = scenario_from_geojson(json.dumps(data["scenario"]), keep_id=True)
        if scenario.id != scenario_id:
            return None
        return replace(
            scenario,
            version=int(data["version"]),
            saved_edit_count=int(data["saved_edit_count"]),
        )
    except (OSError, ValueError, KeyError, TypeError, InputError):
        return None


def drop_draft(token: str) -> None:
    """Remove this tab's draft (saved, reverted, or nothing unsaved any more)."""
    st.session_state.pop(_WRITTEN, None)
    if not _TOKEN.match(token):
        return
    try:
        _path(token).unlink(missing_ok=True)
    except (OSError, InputError):  # read-only workspace: nothing was written there
        return


def guard_unload(active: bool) -> None:
    """Make the browser ask before leaving or reloading the page while ``active``."""
    flag = "true" if active else "false"
    # The handler is made in the page's own realm (its Function constructor): a function
    # of this frame would stop working once a rerun replaces the frame.
    components.html(
        "<script>(function(){var w=window.parent;"
        "if(!w._psUnloadGuard){w._psUnloadGuard=new w.Function('e',"
        "\"if(window._psUnsaved){e.preventDefault();e.returnValue='';return '';}\");"
        "w.addEventListener('beforeunload',w._psUnloadGuard);}"
        f"w._psUnsaved={flag};}})();</script>",
        height=0,
    )
