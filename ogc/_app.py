"""The OGC API – Features endpoint as a Starlette application (Part 1: Core, GeoJSON,
OpenAPI 3.0), mounted under ``/ogc`` on the app's own port.

Resources (relative to the mount point):

``/``                              landing page (links: self, service-desc, conformance, data)
``/api``                           the API definition (OpenAPI 3.0 JSON)
``/conformance``                   the conformance classes implemented
``/collections``                   every collection the caller may read, with its extent
``/collections/{id}``              one collection
``/collections/{id}/items``        features: ``bbox``, ``limit``/``offset``, property filters
``/collections/{id}/items/{fid}``  one feature

Every response is JSON (UTF-8, Chinese as it is). Coordinates are CRS84 (WGS84
longitude/latitude). Access: a system token as ``Authorization: Bearer <token>`` or
``?token=<token>`` (for clients that cannot set headers), or a signed-in user when the
server is given a way to recognise one; anything else is 401 with a JSON body and no data.
Errors are JSON ``{"code", "description"}`` with the description in Chinese, then English.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from urllib.parse import urlencode

import numpy as np
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from geo.errors import InputError
from ogc._collections import Catalog, Collection, Principal
from ogc._features import (
    FILTER_FIELDS,
    Limits,
    check_params,
    feature_ids,
    features_json,
    parse_query,
    raise_problems,
    select,
)
from ogc._tokens import TokenStore

__all__ = ["CONFORMANCE", "create_app"]

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_JSON = "application/json"
_GEOJSON = "application/geo+json"
_OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
_TITLE = "坪山产业空间规划工具 · Pingshan Industrial Space Planning Tool"


class _Refused(Exception):
    """A request answered with an error status."""

    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.status, self.code, self.zh, self.en = status, code, zh, en


def _json(body: object, status: int = 200, media_type: str = _JSON, **headers: str) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text.encode("utf-8"), status, headers=headers or None, media_type=media_type)


def _error(status: int, code: str, description: str, **headers: str) -> Response:
    return _json({"code": code, "description": description}, status, **headers)


def _link(href: str, rel: str, media_type: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": media_type}
    if title:
        link["title"] = title
    return link


def create_app(
    catalog: Catalog,
    tokens: Callable[[], TokenStore],
    *,
    limits: Limits | None = None,
    session_principal: Callable[[Request], Principal | None] | None = None,
) -> Starlette:
    """The endpoint's Starlette application.

    Parameters
    ----------
    catalog : Catalog
        What is published.
    tokens : callable returning TokenStore
        The token store to check ``Bearer`` tokens against (looked up per request, so a
        revoked token stops working at once).
    limits : Limits, optional
        Page size and bbox area limits (default :class:`Limits`).
    session_principal : callable, optional
        Recognises a signed-in user from the request (cookie), or returns None.
    """

    limits = limits or Limits()

    def principal_of(request: Request) -> Principal:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        token = token or request.query_params.get("token")
        if token:
            info = tokens().verify(token)
            if info is not None:
                return Principal(info.name, "token")
        elif session_principal is not None:
            user = session_principal(request)
            if user is not None:
                return user
        raise _Refused(
            401,
            "Unauthorized",
            "需要有效的访问令牌：请在请求头加 Authorization: Bearer <令牌>（或参数 ?token=）。"
            "令牌由管理员用 python -m ogc tokens create 名称 生成。",
            "A valid access token is required: send Authorization: Bearer <token> (or "
            "?token=). An administrator issues tokens with python -m ogc tokens create NAME.",
        )

    def base_url(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}{request.scope.get('root_path', '')}"

    def handler(body: Callable[[Request, Principal], Response]) -> Callable:
        def endpoint(request: Request) -> Response:
            start = time.perf_counter()
            try:
                principal = principal_of(request)
                response = body(request, principal)
            except _Refused as exc:
                extra = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
                response = _error(exc.status, exc.code, f"{exc.zh}\n{exc.en}", **extra)
            except InputError as exc:
                response = _error(400, "InvalidParameterValue", f"{exc.zh}\n{exc.en}")
            # Server time of the request in ms (W3C Server-Timing), read by benchmarks/ogc.py.
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1e3:.1f}"
            return response

        return endpoint

    def plain_params(request: Request) -> None:
        raise_problems(check_params(request.query_params, ()))

    def landing(request: Request, principal: Principal) -> Response:
        plain_params(request)
        base = base_url(request)
        return _json(
            {
                "title": _TITLE,
                "description": "坪山区产业用地的图层、规划情景与分析结果（只读）。"
                " Layers, planning scenarios and analysis results of Pingshan's industrial "
                "land (read-only).",
                "links": [
                    _link(f"{base}/", "self", _JSON, "本页 · this document"),
                    _link(f"{base}/api", "service-desc", _OPENAPI, "API 定义 · API definition"),
                    _link(f"{base}/conformance", "conformance", _JSON, "符合的标准 · conformance"),
                    _link(f"{base}/collections", "data", _JSON, "数据集合 · collections"),
                ],
            }
        )

    def conformance(request: Request, principal: Principal) -> Response:
        plain_params(request)
        return _json({"conformsTo": list(CONFORMANCE)})

    def api(request: Request, principal: Principal) -> Response:
        plain_params(request)
        return _json(_openapi(base_url(request), limits), media_type=_OPENAPI)

    def describe(base: str, collection: Collection) -> dict:
        if collection.extent is not None:
            bounds = np.array(collection.extent)
        else:
            gdf = collection.build()
            bounds = gdf.total_bounds if len(gdf) else np.full(4, np.nan)
        spatial = [float(v) for v in bounds] if np.isfinite(bounds).all() else [-180, -90, 180, 90]
        href = f"{base}/collections/{collection.id}"
        return {
            "id": collection.id,
            "title": collection.title,
            "itemType": "feature",
            "crs": [_CRS84],
            "extent": {
                "spatial": {"bbox": [spatial], "crs": _CRS84},
                "temporal": {"interval": [[None, None]]},
            },
            "links": [
                _link(href, "self", _JSON, collection.title),
                _link(f"{href}/items", "items", _GEOJSON, collection.title),
            ],
        }

    def collections(request: Request, principal: Principal) -> Response:
        plain_params(request)
        base = base_url(request)
        return _json(
            {
                "links": [_link(f"{base}/collections", "self", _JSON)],
                "collections": [describe(base, c) for c in catalog.collections(principal)],
            }
        )

    def find(request: Request, principal: Principal) -> Collection:
        collection_id = request.path_params["collection_id"]
        found = catalog.find(collection_id, principal)
        if found is None:
            raise _Refused(
                404,
                "NotFound",
                f"没有名为「{collection_id}」的数据集合；可用的集合见 /ogc/collections。",
                f"No collection is named '{collection_id}'; see /ogc/collections.",
            )
        return found

    def collection(request: Request, principal: Principal) -> Response:
        plain_params(request)
        return _json(describe(base_url(request), find(request, principal)))

    def items(request: Request, principal: Principal) -> Response:
        found = find(request, principal)
        gdf = found.build()
        query = parse_query(request.query_params, list(gdf.columns), limits)
        matched = select(gdf, query)
        page = matched[query.offset : query.offset + query.limit]
        href = f"{base_url(request)}/collections/{found.id}/items"
        params = {k: v for k, v in request.query_params.items() if k not in ("offset", "token")}
        links = [_link(_url(href, params, query.offset), "self", _GEOJSON)]
        if query.offset + len(page) < len(matched):
            links.append(_link(_url(href, params, query.offset + len(page)), "next", _GEOJSON))
        if query.offset > 0:
            links.append(
                _link(_url(href, params, max(0, query.offset - query.limit)), "prev", _GEOJSON)
            )
        links.append(_link(f"{base_url(request)}/collections/{found.id}", "collection", _JSON))
        return _json(
            {
                "type": "FeatureCollection",
                "numberMatched": len(matched),
                "numberReturned": len(page),
                "links": links,
                "features": features_json(gdf, found.id_column, page),
            },
            media_type=_GEOJSON,
        )

    def item(request: Request, principal: Principal) -> Response:
        plain_params(request)
        found = find(request, principal)
        gdf = found.build()
        fid = request.path_params["feature_id"]
        ids = feature_ids(gdf, found.id_column, np.arange(len(gdf)))
        where = [i for i, v in enumerate(ids) if str(v) == fid]
        if not where:
            raise _Refused(
                404,
                "NotFound",
                f"集合「{found.id}」中没有编号为「{fid}」的要素。",
                f"Collection '{found.id}' has no feature with id '{fid}'.",
            )
        feature = features_json(gdf, found.id_column, np.array(where[:1]))[0]
        href = f"{base_url(request)}/collections/{found.id}"
        feature["links"] = [
            _link(f"{href}/items/{fid}", "self", _GEOJSON),
            _link(href, "collection", _JSON),
        ]
        return _json(feature, media_type=_GEOJSON)

    routes = [
        Route("/", handler(landing)),
        Route("/api", handler(api)),
        Route("/conformance", handler(conformance)),
        Route("/collections", handler(collections)),
        Route("/collections/{collection_id}", handler(collection)),
        Route("/collections/{collection_id}/items", handler(items)),
        Route("/collections/{collection_id}/items/{feature_id}", handler(item)),
    ]
    return Starlette(routes=routes)


def _url(href: str, params: dict[str, str], offset: int) -> str:
    query = {**params, "offset": str(offset)} if offset else dict(params)
    return f"{href}?{urlencode(query)}" if query else href


def _openapi(base: str, limits: Limits) -> dict:
    """A minimal OpenAPI 3.0 description of the resources and the items parameters."""

    def param(name: str, where: str, schema: dict, description: str) -> dict:
        return {
            "name": name,
            "in": where,
            "required": where == "path",
            "schema": schema,
            "description": description,
            "style": "form",
            "explode": False,
        }

    items_params = [
        param("collectionId", "path", {"type": "string"}, "collection id"),
        param(
            "bbox",
            "query",
            {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            f"CRS84 lon/lat box; at most {limits.max_bbox_km2:g} km²",
        ),
        param(
            "limit",
            "query",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": limits.max_limit,
                "default": limits.default_limit,
            },
            "features per page",
        ),
        param(
            "offset", "query", {"type": "integer", "minimum": 0, "default": 0}, "features skipped"
        ),
        param("datetime", "query", {"type": "string"}, "ignored: no temporal data"),
        *(param(f, "query", {"type": "string"}, "comma-separated values") for f in FILTER_FIELDS),
    ]
    ok = {"200": {"description": "OK"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": _TITLE, "version": "1.0.0"},
        "servers": [{"url": base}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/": {"get": {"operationId": "landing", "responses": ok}},
            "/conformance": {"get": {"operationId": "conformance", "responses": ok}},
            "/collections": {"get": {"operationId": "collections", "responses": ok}},
            "/collections/{collectionId}": {
                "get": {
                    "operationId": "collection",
                    "parameters": items_params[:1],
                    "responses": ok,
                }
            },
            "/collections/{collectionId}/items": {
                "get": {"operationId": "items", "parameters": items_params, "responses": ok}
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "item",
                    "parameters": [
                        items_params[0],
                        param("featureId", "path", {"type": "string"}, "feature id"),
                    ],
                    "responses": ok,
                }
            },
        },
    }
