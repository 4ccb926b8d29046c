"""The field mapping itself: an immutable :class:`FieldMapping`, its ``with_*`` copies, and
the whole proposal for a file (:func:`propose_mapping`).

Method: a mapping holds, for one layer kind, every field's file column (or None), the
value table of each code field, the constants the planner stated and the fields a rule may
fill (:data:`DERIVABLE`). It is checked on construction against the layer spec — unknown
fields, unknown codes, fills the schema refuses (normalised by
:func:`layers.schema.normalise_value`), a fill for an id, an underivable field — and every
problem is raised at once. Changes are copies; a column serves one field, so choosing it
for another field takes it from the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from geo.errors import InputError
from layers.mapping._suggest import _spec, suggest_mapping, suggest_value_mapping
from layers.schema import (
    CodeList,
    normalise_value,
)

__all__ = [
    "DERIVABLE",
    "FieldMapping",
    "propose_mapping",
]


#: Fields a file may lack that a rule can fill, per layer kind, once the planner accepts:
#: ``far_current`` derived from floor area and land area, ids generated.
DERIVABLE: dict[str, tuple[str, ...]] = {
    "parcels": ("far_current", "parcel_id"),
    "enterprises": ("ent_id",),
}


def _frozen(mapping: Mapping) -> MappingProxyType:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class FieldMapping:
    """How one file becomes a layer of ``kind``; immutable, changed through ``with_*`` copies.

    Attributes
    ----------
    kind : str
        The layer kind, a key of :data:`~layers.schema.LAYER_SPECS`.
    columns : Mapping[str, str | None]
        Every field of the layer → the file column read as it, or None (no column). Fields
        not given are None.
    values : Mapping[str, Mapping[str, str | None]]
        For code fields: file value (as text) → code, or None (left as it is).
    fills : Mapping[str, object]
        Field → the constant the planner stated, written into blank cells (every row when
        the field has no column); checked and normalised by the schema on construction.
    derive : frozenset of str
        Fields the planner lets a rule fill (:data:`DERIVABLE`): ``far_current`` from floor
        area and land area, an id field by generation.

    Raises
    ------
    InputError
        On construction, listing every problem: unknown kind or field, a value mapped to
        an unknown code, a fill the schema refuses or one for an id, an underivable field.
    """

    kind: str
    columns: Mapping[str, Any]
    values: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    fills: Mapping[str, Any] = field(default_factory=dict)
    derive: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        spec = _spec(self.kind)
        names = [f.name for f in spec.fields]
        problems: list[str] = []
        for part, keys in (
            ("columns", self.columns),
            ("values", self.values),
            ("fills", self.fills),
            ("derive", self.derive),
        ):
            for key in keys:
                if key not in names:
                    problems.append(
                        f"{spec.zh}图层没有字段「{key}」（{part}） / "
                        f"the {self.kind} layer has no field '{key}' ({part})"
                    )
        values: dict[str, MappingProxyType] = {}
        for name, table in self.values.items():
            if name not in names:
                continue
            f = spec.field(name)
            if not isinstance(f.kind, CodeList):
                problems.append(
                    f"字段「{name}」不是代码字段，不能对应取值 / '{name}' is not a code field"
                )
                continue
            bad = sorted({str(c) for c in table.values() if c is not None} - set(f.kind.codes))
            if bad:
                problems.append(
                    f"字段「{name}」（{f.zh}）没有代码 {bad}，可用：{'、'.join(f.kind.codes)} / "
                    f"'{name}' has no codes {bad}"
                )
            values[name] = _frozen({str(k): v for k, v in table.items()})
        fills: dict[str, Any] = {}
        for name, value in self.fills.items():
            if name not in names:
                continue
            if name == spec.id_field:
                problems.append(
                    f"编号「{name}」不能统一填写，请选择生成编号 / "
                    f"'{name}' cannot take one constant; let ids be generated"
                )
                continue
            try:
                fills[name] = normalise_value(spec.field(name), value)
            except ValueError as exc:
                problems.append(f"统一值 / fill value：{exc}")
        derivable = DERIVABLE.get(self.kind, ())
        for name in self.derive:
            if name in names and name not in derivable:
                problems.append(
                    f"字段「{name}」没有推算或生成规则（可推算：{'、'.join(derivable) or '无'}）"
                    f" / no rule derives '{name}'"
                )
        if problems:
            raise InputError(
                f"{spec.zh}图层的字段对应有 {len(problems)} 处问题：",
                f"The field mapping for the {self.kind} layer has {len(problems)} problem(s):",
                details=problems,
            )
        columns = {name: self.columns.get(name) for name in names}
        object.__setattr__(self, "columns", _frozen(columns))
        object.__setattr__(self, "values", _frozen(values))
        object.__setattr__(self, "fills", _frozen(fills))
        object.__setattr__(self, "derive", frozenset(self.derive))

    def __hash__(self) -> int:
        return hash(
            (
                self.kind,
                tuple(sorted((k, str(v)) for k, v in self.columns.items())),
                tuple(
                    sorted((k, tuple(sorted(t.items(), key=str))) for k, t in self.values.items())
                ),
                tuple(sorted((k, repr(v)) for k, v in self.fills.items())),
                self.derive,
            )
        )

    def with_column(self, field_name: str, column: Any) -> FieldMapping:
        """A copy reading ``field_name`` from ``column`` (None: no column). A column serves one
        field, so another field that had ``column`` loses it; the value mappings of both
        fields are dropped (they belonged to the old columns)."""
        columns = dict(self.columns)
        values = dict(self.values)
        for name, col in columns.items():
            if column is not None and col == column and name != field_name:
                columns[name] = None
                values.pop(name, None)
        columns[field_name] = column
        values.pop(field_name, None)
        return dataclasses.replace(self, columns=columns, values=values)

    def with_values(self, field_name: str, table: Mapping[str, str | None]) -> FieldMapping:
        """A copy with the whole value mapping of code field ``field_name`` replaced."""
        return dataclasses.replace(self, values={**self.values, field_name: table})

    def with_value(self, field_name: str, file_value: str, code: str | None) -> FieldMapping:
        """A copy mapping one file value of ``field_name`` to ``code`` (None: left as it is)."""
        table = {**self.values.get(field_name, {}), str(file_value): code}
        return self.with_values(field_name, table)

    def with_fill(self, field_name: str, value: Any) -> FieldMapping:
        """A copy filling blank cells of ``field_name`` with ``value`` (None: no fill)."""
        fills = {k: v for k, v in self.fills.items() if k != field_name}
        if value is not None:
            fills[field_name] = value
        return dataclasses.replace(self, fills=fills)

    def with_derive(self, field_name: str, on: bool = True) -> FieldMapping:
        """A copy that lets the rule fill ``field_name`` (``on``) or not."""
        derive = self.derive | {field_name} if on else self.derive - {field_name}
        return dataclasses.replace(self, derive=derive)


def propose_mapping(frame: pd.DataFrame, kind: str) -> FieldMapping:
    """The whole proposal for ``frame``: :func:`suggest_mapping`'s columns, each code
    column's :func:`suggest_value_mapping`, and ``far_current`` derived when the file has
    floor area but no FAR. Id generation is not proposed: the planner accepts it with
    ``with_derive(id_field)``. No constant is proposed either."""
    spec = _spec(kind)
    columns = suggest_mapping(frame, kind)
    values = {
        f.name: suggest_value_mapping(frame[columns[f.name]], f)
        for f in spec.fields
        if isinstance(f.kind, CodeList) and columns[f.name] is not None
    }
    derive = frozenset(
        {"far_current"}
        if "far_current" in DERIVABLE.get(kind, ())
        and columns["far_current"] is None
        and columns["gfa_current_m2"] is not None
        else ()
    )
    return FieldMapping(kind, columns, values, {}, derive)
