"""OGC API – Features for other systems: the app's layers, saved scenarios and analysis
results, read-only, under ``/ogc`` on the app's port.

- :mod:`ogc._collections` — what is published (:class:`Catalog`) and who sees which
  scenario (:func:`visible_scenarios`);
- :mod:`ogc._features` — the items query (bbox, paging, property filters) and its limits;
- :mod:`ogc._tokens` — read-only access tokens, stored hashed (:class:`TokenStore`), issued
  and revoked by admins (:func:`issue_token`, :func:`revoke_token`, audited);
- :mod:`ogc._app` — the Starlette application (:func:`create_app`).

No Streamlit here: the UI mounts :func:`create_app`'s application on its server
(``ui/server_app.py``); ``python -m ogc tokens …`` manages tokens.
"""

from ogc._app import CONFORMANCE, create_app
from ogc._collections import (
    BASE_KINDS,
    CONTIGUITY_STATUSES,
    Catalog,
    Collection,
    Principal,
    visible_scenarios,
)
from ogc._features import (
    FILTER_FIELDS,
    LIMIT_ENV,
    ItemQuery,
    Limits,
    bbox_area_km2,
    limits_from_env,
    parse_query,
    select,
)
from ogc._tokens import (
    TOKEN_FILE_NAME,
    TokenInfo,
    TokenStore,
    default_token_store,
    issue_token,
    revoke_token,
)

__all__ = [
    "BASE_KINDS",
    "CONFORMANCE",
    "CONTIGUITY_STATUSES",
    "FILTER_FIELDS",
    "LIMIT_ENV",
    "TOKEN_FILE_NAME",
    "Catalog",
    "Collection",
    "ItemQuery",
    "Limits",
    "Principal",
    "TokenInfo",
    "TokenStore",
    "bbox_area_km2",
    "create_app",
    "default_token_store",
    "issue_token",
    "limits_from_env",
    "parse_query",
    "revoke_token",
    "select",
    "visible_scenarios",
]
