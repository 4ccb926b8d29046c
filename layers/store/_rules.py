"""The rules every store applies, whatever it writes to: version checks, bases, deletion,
and edits as rows.

Method: a store calls these inside its write transaction, after it has locked what it
reads. :func:`check_version` compares the stored version (None = no such scenario) with
the one the caller's copy is based on and raises the refusal (:data:`VERSION_CONFLICT`,
:data:`SCENARIO_DELETED`); :func:`check_bases` walks the chain of bases through a lookup
function (stored base of a scenario, :data:`MISSING` when there is none) and refuses a
missing base or a cycle; :func:`check_deletable` refuses a delete without confirmation or
with scenarios building on it. :func:`edit_parts` and :func:`edit_from_row` turn an edit
into the columns every backend stores (kind, JSON text of ids and attributes, author,
time, note) and back, with the geometry encoded by the backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import InputError
from geo.values import json_value
from layers.scenario import EDIT_KINDS, Edit, Scenario, edit_from_parts, parse_time
from layers.store._names import SCENARIO_DELETED, VERSION_CONFLICT

__all__: list[str] = []

#: What a base lookup returns for a scenario that is not stored.
MISSING = object()


def check_scenario(scenario: object) -> None:
    if not isinstance(scenario, Scenario):
        raise InputError("只能保存 Scenario 情景。", "Only Scenario objects can be saved.")


def check_version(current: int | None, expected: int, name: str, source: str | None) -> None:
    """Refuse a save based on ``expected`` when the stored version is ``current``."""
    if current is None and expected > 0:
        raise InputError(
            f"情景「{name}」已被删除，无法按版本 {expected} 保存。可用“另存为”保存为新情景。",
            f"Scenario '{name}' was deleted; it cannot be saved as version {expected}. "
            "Save it as a new scenario instead.",
            code=SCENARIO_DELETED,
        )
    if current is not None and expected == 0:
        raise InputError(
            f"工作区中已有同一编号的情景（版本 {current}），未保存。导入时请选择生成新编号。",
            f"A scenario with this id is already stored (version {current}); not saved. "
            "Import it with a new id instead.",
            source=source,
        )
    if (current or 0) != expected:
        raise InputError(
            f"情景已被其他人修改（当前版本 {current}），未保存：你的修改基于版本 "
            f"{expected}。可把你的修改合并到最新版本后再保存，或另存为新情景。",
            f"The scenario was changed by someone else (stored version {current}); not "
            f"saved: your changes are based on version {expected}. Replay your "
            "changes on the newest version and save again, or save them as a new "
            "scenario.",
            code=VERSION_CONFLICT,
        )


def check_bases(
    scenario: Scenario, stored_base_of: Callable[[str], object], source: str | None
) -> None:
    """Refuse a scenario whose base is not stored or whose bases form a cycle.

    ``stored_base_of(id)`` is the stored ``base_id`` of scenario ``id`` (None: baseline), or
    :data:`MISSING` when it is not stored."""
    base_id = scenario.base_id
    seen = {scenario.id}
    while base_id is not None:
        if base_id in seen:
            raise InputError(
                f"情景「{scenario.name}」的基础情景形成循环，未保存。",
                f"The bases of scenario '{scenario.name}' form a cycle; not saved.",
            )
        seen.add(base_id)
        found = stored_base_of(base_id)
        if found is MISSING:
            raise InputError(
                f"情景「{scenario.name}」的基础情景 {base_id} 不在本工作区，未保存。"
                "请先导入或保存基础情景。",
                f"The base scenario {base_id} of '{scenario.name}' is not in this "
                "workspace; not saved. Import or save the base first.",
                source=source,
            )
        base_id = found


def check_confirmed(confirm: object) -> None:
    if confirm is not True:
        raise InputError(
            "删除情景需要确认：删除后无法恢复。",
            "Deleting a scenario needs confirmation: it cannot be undone.",
        )


def check_no_children(children: list[str]) -> None:
    """Refuse deleting a scenario that the scenarios named ``children`` build on."""
    if children:
        raise InputError(
            f"情景 {'、'.join(children)} 建立在该情景之上，请先删除它们或改换其基础。",
            f"Scenario(s) {', '.join(children)} build on this one; delete them or "
            "change their base first.",
        )


def not_found(scenario_id: str, source: str | None) -> InputError:
    return InputError(
        f"找不到情景 {scenario_id}（可能已被删除）。",
        f"Scenario {scenario_id} not found (it may have been deleted).",
        source=source,
    )


def edit_parts(edit: Edit) -> tuple[str, str, str, str, str | None, str]:
    """``(kind, parcel_ids JSON, attributes JSON, author, created_at, note)`` of an edit."""
    if edit.kind not in EDIT_KINDS:
        raise InputError(f"未知的编辑类型「{edit.kind}」。", f"Unknown edit kind '{edit.kind}'.")
    return (
        edit.kind,
        json.dumps(list(edit.parcel_ids), ensure_ascii=False),
        _json(edit.attributes),
        edit.author,
        # GeoPackage DATETIME is exactly YYYY-MM-DDTHH:MM:SS.SSSZ, the form GDAL and QGIS read.
        parse_time(edit.created_at, "编辑时间 created_at") if edit.created_at else None,
        edit.note,
    )


def scenario_from_row(row: tuple, edits: tuple[Edit, ...]) -> Scenario:
    """A stored scenario from its row — (id, name, description, author, created_at,
    updated_at, base_id, version, base_data_version), the column order both stores read —
    and its edits, marked saved at its version."""
    return Scenario(
        id=row[0],
        name=row[1],
        description=row[2] or "",
        author=row[3] or "",
        created_at=row[4] or "",
        updated_at=row[5] or "",
        base_id=row[6],
        version=int(row[7]),
        base_data_version=row[8],
        edits=edits,
    ).with_saved(int(row[7]))


def edit_from_row(
    name: str,
    seq: int,
    row: tuple,
    decode_geometry: Callable[[Any], BaseGeometry | None],
    source: str | None,
) -> Edit:
    """An edit from ``(kind, parcel_ids, attributes, geometry, author, created_at, note)``;
    a row damaged in another program is a message naming the scenario and the edit."""
    kind, ids, attrs, blob, author, created_at, note = row
    try:
        geometry = decode_geometry(blob)
        if geometry is not None and geometry.is_empty:
            geometry = None
        return edit_from_parts(
            kind,
            json.loads(ids),
            json.loads(attrs),
            geometry,
            created_at=created_at,
            author=author or "",
            note=note or "",
        )
    except (json.JSONDecodeError, TypeError, shapely.errors.GEOSException, InputError) as exc:
        raise InputError(
            f"情景「{name}」第 {seq + 1} 项编辑已损坏（可能在其他软件中被修改）：{exc}",
            f"Edit #{seq + 1} of scenario '{name}' is damaged (edited in another program?): {exc}",
            source=source,
        ) from exc


def _json(value: Any) -> str:
    return json.dumps(json_value(value), ensure_ascii=False, allow_nan=False, sort_keys=True)


# --- base-data versions --------------------------------------------------------------------


def base_data_name(name: object) -> str:
    """A base-data version name stripped of blanks; :class:`InputError` when empty or long."""
    text = str(name or "").strip()
    if not text:
        raise InputError(
            "请填写基础数据版本名称（如“2025 年现状调查”）。",
            "Give the base-data version a name (e.g. '2025 survey').",
        )
    if len(text) > 200:
        raise InputError(
            "基础数据版本名称过长（最多 200 字）。",
            "The base-data version name is too long (≤ 200).",
        )
    return text


def base_data_taken(name: str) -> InputError:
    return InputError(
        f"已有名为「{name}」的基础数据版本，请换一个名称。",
        f"A base-data version named '{name}' already exists; choose another name.",
    )


def recorded_base_data(scenario: Scenario, is_new: bool, newest: str | None) -> str | None:
    """The base-data version a save records: the scenario's own, else for a scenario saved
    for the first time the newest recorded version (what it is being built on now)."""
    if scenario.base_data_version is not None:
        return scenario.base_data_version
    return newest if is_new else None
