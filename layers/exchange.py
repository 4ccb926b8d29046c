"""Scenarios as GeoJSON files: one FeatureCollection per scenario, to move it between machines.

A scenario is its ordered list of edits, not the parcels they produce, so the file holds
the edits: one feature per edit (the drawn polygon or cutting line as geometry, WGS84
lon/lat per RFC 7946; null for attribute edits and removals) with the edit's kind, parcel
ids, attributes, author, time and note as properties, and the scenario's own fields as
top-level members. Reading a file validates every edit with the same constructors the map
uses (:func:`layers.scenario.edit_from_parts`) and lists every bad feature at once.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import shapely

from geo.errors import InputError
from geo.values import json_value
from layers.scenario import Edit, Scenario, edit_from_parts, now_iso, parse_time, scenario_name

__all__ = [
    "GEOJSON_FORMAT",
    "GEOJSON_FORMAT_VERSION",
    "scenario_from_geojson",
    "scenario_to_geojson",
]

#: ``format`` member of exported scenario GeoJSON files.
GEOJSON_FORMAT = "landplan-scenario"
GEOJSON_FORMAT_VERSION = 1


def scenario_to_geojson(scenario: Scenario) -> str:
    """One GeoJSON FeatureCollection holding a whole scenario, for other machines/systems.

    Top-level members: ``format`` (``landplan-scenario``), ``format_version``,
    ``scenario_id``, ``name``, ``description``, ``author``, ``created_at``, ``updated_at``,
    ``version``, ``base_id``. One feature per edit, in order: geometry is the drawn polygon
    or cutting line (WGS84 lon/lat, RFC 7946), null for other kinds; properties ``seq``,
    ``kind``, ``parcel_ids`` (array), ``attributes`` (object), ``author``,
    ``created_at``, ``note``.
    """
    features = []
    for seq, edit in enumerate(scenario.edits):
        geometry = None
        if edit.geometry is not None:
            geom = shapely.orient_polygons(edit.geometry, exterior_cw=False)
            geometry = json.loads(shapely.to_geojson(geom))
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "seq": seq,
                    "kind": edit.kind,
                    "parcel_ids": list(edit.parcel_ids),
                    "attributes": json_value(edit.attributes),
                    "author": edit.author,
                    "created_at": edit.created_at,
                    "note": edit.note,
                },
            }
        )
    document = {
        "type": "FeatureCollection",
        "format": GEOJSON_FORMAT,
        "format_version": GEOJSON_FORMAT_VERSION,
        "scenario_id": scenario.id,
        "name": scenario.name,
        "description": scenario.description,
        "author": scenario.author,
        "created_at": scenario.created_at,
        "updated_at": scenario.updated_at,
        "version": scenario.version,
        "base_id": scenario.base_id,
        "features": features,
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False)


def scenario_from_geojson(text: str | bytes, *, keep_id: bool = False) -> Scenario:
    """Read a scenario exported by :func:`scenario_to_geojson`, validating every edit.

    Parameters
    ----------
    text : str or bytes
        The GeoJSON text (UTF-8).
    keep_id : bool
        Keep the file's ``scenario_id`` (to move a scenario, or a base other scenarios
        refer to); by default it gets a new id, so importing twice gives two scenarios.

    Returns
    -------
    Scenario
        Unsaved (version 0); times and provenance as in the file.

    Raises
    ------
    InputError
        Not JSON, not a scenario FeatureCollection, or with bad edits — every bad feature
        listed with its number.
    """
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(
            f"情景文件不是有效的 JSON：{exc}", f"The scenario file is not valid JSON: {exc}"
        ) from exc
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise InputError(
            "情景文件应为 GeoJSON FeatureCollection。",
            "A scenario file must be a GeoJSON FeatureCollection.",
        )
    if doc.get("format") not in (None, GEOJSON_FORMAT):
        raise InputError(
            f"该文件不是情景文件（format = {doc.get('format')}）。若是地块图层，请在“数据导入导出”页导入。",
            f"This is not a scenario file (format = {doc.get('format')}). Import layers on "
            "the data page instead.",
        )
    problems: list[str] = []
    entries: list[tuple[int, Edit]] = []
    for number, feature in enumerate(doc["features"], start=1):
        try:
            entries.append(_edit_from_feature(feature, number))
        except InputError as exc:
            problems.append(f"第 {number} 个要素 / feature {number}: " + " ".join(exc.str_lines()))
    seqs = [s for s, _ in entries]
    if len(set(seqs)) != len(seqs):
        problems.append("编辑序号 seq 重复 / duplicate seq values")
    if problems:
        raise InputError(
            "情景文件中有无效的编辑：", "The scenario file holds invalid edits:", details=problems
        )
    stamp = now_iso()
    created = parse_time(doc["created_at"], "created_at") if doc.get("created_at") else stamp
    updated = parse_time(doc["updated_at"], "updated_at") if doc.get("updated_at") else created
    scenario_id = str(doc.get("scenario_id") or "") if keep_id else ""
    base = doc.get("base_id")
    return Scenario(
        id=scenario_id or str(uuid.uuid4()),
        name=scenario_name(doc.get("name")),
        description=str(doc.get("description") or ""),
        author=str(doc.get("author") or ""),
        created_at=created,
        updated_at=updated,
        base_id=None if base in (None, "") else str(base),
        version=0,
        edits=tuple(edit for _, edit in sorted(entries, key=lambda e: e[0])),
    )


def _edit_from_feature(feature: Any, number: int) -> tuple[int, Edit]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise InputError("不是 GeoJSON Feature。", "not a GeoJSON Feature.")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise InputError("properties 应为对象。", "properties must be an object.")
    seq = props.get("seq", number - 1)
    if isinstance(seq, bool) or not isinstance(seq, int):
        raise InputError("seq 应为整数。", "seq must be an integer.")
    ids = props.get("parcel_ids", [])
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list):
        raise InputError("parcel_ids 应为数组。", "parcel_ids must be an array.")
    attrs = props.get("attributes") or {}
    if not isinstance(attrs, dict):
        raise InputError("attributes 应为对象。", "attributes must be an object.")
    geometry = feature.get("geometry")
    try:
        geom = None if geometry is None else shapely.from_geojson(json.dumps(geometry))
    except shapely.errors.GEOSException as exc:
        raise InputError(f"几何无效：{exc}", f"invalid geometry: {exc}") from exc
    edit = edit_from_parts(
        str(props.get("kind")),
        ids,
        attrs,
        geom,
        created_at=props.get("created_at"),
        author=str(props.get("author") or ""),
        note=str(props.get("note") or ""),
    )
    return seq, edit
