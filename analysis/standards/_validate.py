"""One validator for every YAML table of the standards: far, highrise and park guidance.

Method
------
A table is described, not coded. A :class:`Table` spec lists its fields (:class:`Field`:
name, kind, whether required, whether it may be null) and whether each entry must carry
provenance (``source:`` or ``assumption: true``). The kinds check single values —
:class:`Number` (range, whole numbers), :class:`Text` (optionally a pattern),
:class:`Choice`, :class:`Flag`, :class:`Code` (a code of a :class:`~layers.schema.CodeList`,
labels accepted), :class:`Codes` (a list of those), :class:`Custom` (a function) — or nest
tables: :class:`Entry` (a mapping checked by another spec), :class:`Entries` (a non-empty
list of entries, each named in paths by its label field) and :class:`Keyed` (a mapping of
id → entry). A whole YAML document is one Table whose fields are nested kinds, so the one
recursive walk of :func:`check_entry` reads far.yaml, highrise.yaml and park_guidance.yaml
alike: unknown keys, missing keys, null values, types, numeric ranges, duplicates and
provenance are checked the same way everywhere.

Every problem goes into one :class:`Checker` under the dotted path of its key
(``far[M1].base_by_zone.3``, ``parks.p1.clusters[1]``), Chinese first, then English. Checking
never stops at the first problem; :meth:`Checker.raise_if_any` raises one
:class:`~geo.errors.InputError` listing them all. A rule spanning the fields of one entry
(``upper_cap ≥ base``) is the spec's ``rule``, called with the values that did parse (None
for the others); rules spanning entries or tables run in the table modules on the result.
Checked entries come back as plain dicts of parsed values (provenance under ``source``,
``assumption``, ``note``); a table or entry with any problem comes back as None.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from geo.errors import InputError
from geo.values import is_missing
from layers.schema import CodeList

__all__ = [
    "PROVENANCE",
    "ROOT",
    "Checker",
    "Choice",
    "Code",
    "Codes",
    "Custom",
    "Entries",
    "Entry",
    "Field",
    "Flag",
    "Keyed",
    "Kind",
    "Number",
    "Table",
    "Text",
    "check_entry",
    "check_fields",
    "check_value",
    "sourced",
]

#: Provenance keys any entry with provenance may carry.
PROVENANCE: tuple[str, ...] = ("source", "assumption", "note")
#: Path of a document's top level in messages.
ROOT = "(root)"


class Checker:
    """Collects problems so one error lists every broken key at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.prefix = ""

    def at(self, prefix: str) -> Checker:
        """Name the file (or document) the following paths are in."""
        self.prefix = prefix
        return self

    def add(self, path: str, zh: str, en: str) -> None:
        """Record one problem of the key at ``path``."""
        where = f"{self.prefix}: {path}" if self.prefix else path
        self.problems.append(f"「{where}」{zh} / '{where}' {en}")

    def raise_if_any(
        self,
        source: str | None,
        subject_zh: str = "标准表",
        subject_en: str = "The standards have",
    ) -> None:
        """Raise one InputError listing every problem, if there is any.

        ``subject_zh`` / ``subject_en`` name the table in the headline ("标准表有 2 处问题",
        "The standards have 2 problem(s)"); ``source`` names the file, if any."""
        if not self.problems:
            return
        first = self.problems[0].split("」", 1)[0].lstrip("「")
        n = len(self.problems)
        raise InputError(
            f"{subject_zh}有 {n} 处问题（首个：「{first}」），请修改后重新加载：",
            f"{subject_en} {n} problem(s) (first: '{first}'); fix them and load again:",
            source=source,
            details=self.problems,
        )


class Kind(Protocol):
    """A value check: the parsed value, or None after recording a problem."""

    def parse(self, value: Any, path: str, c: Checker) -> Any: ...


def check_value(kind: Kind, value: Any, path: str, c: Checker, *, nullable: bool = False) -> Any:
    """``value`` checked by ``kind``; a null value is None, and a problem unless nullable."""
    if is_missing(value):
        if not nullable:
            c.add(path, "不能为空", "must not be empty")
        return None
    return kind.parse(value, path, c)


# --------------------------------------------------------------------------- value kinds


@dataclass(frozen=True)
class Number:
    """A finite number in ``[minimum, maximum]`` (``(minimum, …`` when ``strict``)."""

    minimum: float | None = 0.0
    strict: bool = False
    maximum: float | None = None
    integer: bool = False

    def parse(self, value: Any, path: str, c: Checker) -> float | None:
        if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
            c.add(path, f"应为数字，实为「{value}」", f"must be a number, got {value!r}")
            return None
        value = float(value)
        if not math.isfinite(value):
            c.add(path, "应为有限数字", "must be a finite number")
            return None
        if self.integer and not value.is_integer():
            c.add(path, "应为整数", "must be a whole number")
            return None
        lo = self.minimum
        if lo is not None and (value <= lo if self.strict else value < lo):
            rel = ">" if self.strict else "≥"
            c.add(path, f"应 {rel} {lo:g}，实为 {value:g}", f"must be {rel} {lo:g}, got {value:g}")
            return None
        if self.maximum is not None and value > self.maximum:
            hi = self.maximum
            c.add(path, f"应 ≤ {hi:g}，实为 {value:g}", f"must be ≤ {hi:g}, got {value:g}")
            return None
        return value


@dataclass(frozen=True)
class Text:
    """Non-blank text (stripped), optionally matching ``pattern`` (explained bilingually)."""

    pattern: re.Pattern | None = None
    pattern_zh: str = ""
    pattern_en: str = ""

    def parse(self, value: Any, path: str, c: Checker) -> str | None:
        if not isinstance(value, str) or not value.strip():
            c.add(path, "应为文字", "must be text")
            return None
        if self.pattern is not None and not self.pattern.match(value.strip()):
            c.add(path, self.pattern_zh, self.pattern_en)
            return None
        return value.strip()


@dataclass(frozen=True)
class Flag:
    """``true`` or ``false``."""

    def parse(self, value: Any, path: str, c: Checker) -> bool | None:
        if not isinstance(value, bool | np.bool_):
            c.add(path, "应为 true/false", "must be true or false")
            return None
        return bool(value)


@dataclass(frozen=True)
class Choice:
    """One of a few fixed words."""

    options: tuple[str, ...]

    def parse(self, value: Any, path: str, c: Checker) -> str | None:
        if value in self.options:
            return value
        listed = " / ".join(self.options)
        c.add(path, f"应为 {listed}，实为「{value}」", f"must be {listed}, got {value!r}")
        return None


@dataclass(frozen=True)
class Code:
    """A code of ``vocabulary`` given as code, label or alias, within ``allowed`` if set."""

    vocabulary: CodeList
    what_zh: str
    what_en: str
    allowed: tuple[str, ...] | None = None

    def parse(self, value: Any, path: str, c: Checker) -> str | None:
        allowed = self.allowed if self.allowed is not None else tuple(self.vocabulary.codes)
        code = self.vocabulary.normalise(value)
        if code is None or code not in allowed:
            c.add(
                path,
                f"「{value}」不是{self.what_zh}，可用：{', '.join(allowed)}",
                f"'{value}' is not {self.what_en}; allowed: {', '.join(allowed)}",
            )
            return None
        return code


@dataclass(frozen=True)
class Codes:
    """A list of :class:`Code` values, repeats dropped, order kept."""

    item: Code
    allow_empty: bool = False

    def parse(self, value: Any, path: str, c: Checker) -> tuple[str, ...] | None:
        if not isinstance(value, list | tuple):
            c.add(path, f"应为{self.item.what_zh}列表", f"must be a list of {self.item.what_en}")
            return None
        before = len(c.problems)
        codes: list[str] = []
        for i, v in enumerate(value):
            code = check_value(self.item, v, f"{path}[{i}]", c)
            if code is not None and code not in codes:
                codes.append(code)
        if len(c.problems) > before:
            return None
        if not codes and not self.allow_empty:
            c.add(path, "不能为空列表", "must not be an empty list")
            return None
        return tuple(codes)


@dataclass(frozen=True)
class Custom:
    """A check of its own: ``parse(value, path, checker)`` returns the value or None."""

    parse: Callable[[Any, str, Checker], Any]


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Field:
    """One key of an entry. A missing required key and a null non-nullable key are
    problems; otherwise a missing or null key reads as ``default``."""

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    default: Any = None


@dataclass(frozen=True)
class Table:
    """The spec of one kind of entry (a YAML mapping).

    Attributes
    ----------
    fields : tuple of Field
        The keys an entry may have besides provenance; any other key is a problem.
    provenance : ``none``, ``optional`` or ``required``
        Whether ``source``/``assumption``/``note`` may appear, and whether an entry needs
        ``source:`` or ``assumption: true``.
    label : str, optional
        Field naming entries of a list in paths (``far[M1]``); the list index otherwise.
    unique : bool
        Whether ``label`` values must differ between the entries of a list.
    shorthand : str, optional
        A list given instead of a mapping is read as ``{shorthand: list, assumption: true}``.
    rule : callable, optional
        ``rule(values, path, checker)`` for constraints between the fields of one entry.
    """

    fields: tuple[Field, ...]
    provenance: Literal["none", "optional", "required"] = "required"
    label: str | None = None
    unique: bool = False
    shorthand: str | None = None
    rule: Callable[[dict, str, Checker], None] | None = None
    keys: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(f.name for f in self.fields)
        object.__setattr__(self, "keys", names + (PROVENANCE if self.provenance != "none" else ()))


def sourced(**limits: Any) -> Table:
    """Spec of a single sourced figure: ``{value: <number>, source:/assumption:, note:}``."""
    return Table((Field("value", Number(**limits)),))


def _child(path: str, key: object) -> str:
    return str(key) if path == ROOT else f"{path}.{key}"


def check_fields(value: Any, path: str, table: Table, c: Checker) -> dict | None:
    """The parsed fields of one entry, None where a field failed; None if not a mapping.

    Unlike :func:`check_entry` this keeps what did parse, for rules that can still run."""
    if table.shorthand is not None and isinstance(value, list | tuple):
        value = {table.shorthand: value, "assumption": True}
    if not isinstance(value, Mapping):
        c.add(path, "应为键值表", "must be a mapping")
        return None
    for k in value:
        if k not in table.keys:
            c.add(
                _child(path, k),
                f"是未知的键，可用：{', '.join(table.keys)}",
                f"is an unknown key; allowed: {', '.join(table.keys)}",
            )
    out: dict[str, Any] = {}
    for f in table.fields:
        where = _child(path, f.name)
        if f.name not in value:
            if f.required:
                c.add(where, "缺失", "is missing")
            out[f.name] = f.default
            continue
        parsed = check_value(f.kind, value[f.name], where, c, nullable=f.nullable or not f.required)
        out[f.name] = f.default if parsed is None and is_missing(value[f.name]) else parsed
    if table.provenance != "none":
        out.update(_provenance(value, path, c, required=table.provenance == "required"))
    if table.rule is not None:
        table.rule(out, path, c)
    return out


def _provenance(m: Mapping, path: str, c: Checker, *, required: bool) -> dict[str, Any]:
    source = check_value(Text(), m.get("source"), f"{path}.source", c, nullable=True)
    note = check_value(Text(), m.get("note"), f"{path}.note", c, nullable=True)
    assumption = bool(
        check_value(Flag(), m.get("assumption"), f"{path}.assumption", c, nullable=True)
    )
    if required and source is None and not assumption:
        c.add(
            path,
            "需注明来源 source，或标记 assumption: true",
            "needs a `source:` or `assumption: true`",
        )
    return {"source": source, "assumption": assumption, "note": note}


def check_entry(value: Any, path: str, table: Table, c: Checker) -> dict | None:
    """One entry checked by ``table``: its parsed values, or None if it has any problem."""
    before = len(c.problems)
    out = check_fields(value, path, table, c)
    return out if len(c.problems) == before else None


def _label(entry: Any, field_name: str | None, index: int) -> str:
    if field_name is not None and isinstance(entry, Mapping):
        label = entry.get(field_name)
        if isinstance(label, str):
            return label
    return str(index)


@dataclass(frozen=True)
class Entry:
    """A mapping checked by ``table``."""

    table: Table

    def parse(self, value: Any, path: str, c: Checker) -> dict | None:
        return check_entry(value, path, self.table, c)


@dataclass(frozen=True)
class Entries:
    """A non-empty list of entries checked by ``table``, each named by its label field."""

    table: Table

    def parse(self, value: Any, path: str, c: Checker) -> list[dict] | None:
        if not isinstance(value, list | tuple) or len(value) == 0:
            c.add(path, "应为非空列表", "must be a non-empty list")
            return None
        label = self.table.label
        before = len(c.problems)
        out: list[dict] = []
        seen: set[Any] = set()
        for i, e in enumerate(value):
            where = f"{path}[{_label(e, label, i)}]"
            entry_before = len(c.problems)
            values = check_fields(e, where, self.table, c)
            if values is None:
                continue
            key = values.get(label) if self.table.unique and label is not None else None
            if key is not None and key in seen:
                c.add(f"{where}.{label}", "重复", "is duplicated")
            elif key is not None:
                seen.add(key)
            if len(c.problems) == entry_before:
                out.append(values)
        return out if len(c.problems) == before else None


@dataclass(frozen=True)
class Keyed:
    """A mapping of id → entry checked by ``table``; ids checked by ``key`` if given."""

    table: Table
    key: Code | None = None
    allow_empty: bool = False

    def parse(self, value: Any, path: str, c: Checker) -> dict[str, dict] | None:
        if not isinstance(value, Mapping) or (len(value) == 0 and not self.allow_empty):
            c.add(path, "应为非空键值表", "must be a non-empty mapping")
            return None
        before = len(c.problems)
        out: dict[str, dict] = {}
        for k, e in value.items():
            where = f"{path}.{k}"
            key = str(k) if self.key is None else self.key.parse(k, where, c)
            if key is not None and key in out:
                c.add(where, "重复", "is duplicated")
            entry = check_entry(e, where, self.table, c)
            if key is not None and entry is not None:
                out.setdefault(key, entry)
        return out if len(c.problems) == before else None
