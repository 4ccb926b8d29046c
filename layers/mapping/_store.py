"""Saved mappings: a mapping kept under a name for files with the same headers.

Method: each mapping is one JSON file ``<workspace>/mappings/<name>.json`` (format
``pingshan-field-mapping``, version 1) holding the layer kind, the sorted set of headers
and the mapping; it is written to a hidden temporary file beside the target and renamed
into place, so a reader never sees half a file. Names are checked (not empty, at most 60
characters, no path or control characters, no leading dot). Loading rebuilds the
:class:`~layers.mapping.FieldMapping` through its checks, so a damaged or outdated file is
a message naming the file, never a wrong mapping; :func:`mappings_for` offers those saved
for the same layer kind and the same set of headers.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geo.errors import InputError
from layers.mapping._model import FieldMapping
from layers.workspace import WORKSPACE_ENV, workspace_dir

__all__ = [
    "MAPPINGS_FOLDER",
    "SavedMapping",
    "delete_mapping",
    "list_mappings",
    "load_mapping",
    "mappings_for",
    "save_mapping",
]


#: Folder of saved mappings inside the workspace.
MAPPINGS_FOLDER = "mappings"

_FORMAT = "pingshan-field-mapping"
_VERSION = 1
_NAME_MAX_CHARS = 60
_BAD_NAME_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')


@dataclass(frozen=True)
class SavedMapping:
    """A mapping saved under a name, with the headers of the file it was made for."""

    name: str
    mapping: FieldMapping
    headers: tuple[str, ...]
    saved_at: str = ""


def _check_name(name: object) -> str:
    text = unicodedata.normalize("NFC", str(name)).strip() if isinstance(name, str) else ""
    problems = []
    if not text:
        problems.append("名称为空 / the name is empty")
    if len(text) > _NAME_MAX_CHARS:
        problems.append(
            f"名称超过 {_NAME_MAX_CHARS} 个字符 / longer than {_NAME_MAX_CHARS} characters"
        )
    if _BAD_NAME_CHARS.search(text):
        problems.append(
            '名称不能含 \\ / : * ? " < > | 或控制字符 / no \\ / : * ? " < > | or control characters'
        )
    if text.startswith("."):
        problems.append("名称不能以「.」开头 / the name cannot start with '.'")
    if problems:
        raise InputError(
            f"字段对应的名称「{name}」不可用：",
            f"'{name}' cannot name a field mapping:",
            details=problems,
        )
    return text


def _folder() -> Path:
    return workspace_dir() / MAPPINGS_FOLDER


def _unwritable(path: Path, exc: OSError) -> InputError:
    return InputError(
        f"无法保存字段对应到 {path}：{exc.strerror or exc}。请确认工作区文件夹可写，"
        f"或设置环境变量 {WORKSPACE_ENV} 指向可写的文件夹。",
        f"Cannot save the field mapping to {path}: {exc.strerror or exc}. Make the workspace "
        f"folder writable, or set {WORKSPACE_ENV} to a writable folder.",
    )


def save_mapping(name: str, mapping: FieldMapping, headers: Iterable[object]) -> SavedMapping:
    """Save ``mapping`` as ``name`` for files with ``headers`` (replacing one of that name).

    Raises
    ------
    InputError
        An invalid name, or a workspace that cannot be written (with what to do).
    """
    name = _check_name(name)
    saved = SavedMapping(
        name,
        mapping,
        tuple(sorted({str(h) for h in headers})),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    document = {
        "format": _FORMAT,
        "version": _VERSION,
        "name": name,
        "kind": mapping.kind,
        "headers": list(saved.headers),
        "columns": {k: (None if v is None else str(v)) for k, v in mapping.columns.items()},
        "values": {k: dict(t) for k, t in mapping.values.items()},
        "fills": dict(mapping.fills),
        "derive": sorted(mapping.derive),
        "saved_at": saved.saved_at,
    }
    data = json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False).encode("utf-8")
    folder = _folder()
    path = folder / f"{name}.json"
    tmp = folder / f".{name}.{uuid.uuid4().hex}.tmp"
    try:
        folder.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise _unwritable(path, exc) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return saved


def list_mappings() -> list[str]:
    """Names of the saved mappings, sorted (files are not read: a damaged one is listed)."""
    folder = _folder()
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if not p.name.startswith("."))


def _damaged(name: str, path: Path, reason: str) -> InputError:
    return InputError(
        f"保存的字段对应「{name}」已损坏（{reason}）。请删除文件 {path} 后重新保存。",
        f"The saved field mapping '{name}' is damaged ({reason}). Delete {path} and save it again.",
    )


def _text_map(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise ValueError("not an object with text keys")
    return value


def load_mapping(name: str) -> SavedMapping:
    """The mapping saved as ``name``.

    Raises
    ------
    InputError
        No mapping of that name, a file that cannot be read, or a damaged one (not JSON,
        another format, fields the schema does not know), each with what to do.
    """
    name = _check_name(name)
    path = _folder() / f"{name}.json"
    if not path.is_file():
        raise InputError(
            f"没有名为「{name}」的字段对应。可用：{'、'.join(list_mappings()) or '无'}。",
            f"No field mapping named '{name}'.",
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"无法读取字段对应文件 {path}：{exc.strerror or exc}。请检查文件权限。",
            f"Cannot read the field mapping file {path}: {exc.strerror or exc}. Check its "
            "permissions.",
        ) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _damaged(name, path, f"不是 JSON / not JSON: {exc}") from exc
    try:
        document = _text_map(document)
        if document.get("format") != _FORMAT or document.get("version") != _VERSION:
            raise ValueError(f"format {document.get('format')!r} {document.get('version')!r}")
        headers = document["headers"]
        derive = document.get("derive", [])
        if not isinstance(headers, list) or not all(isinstance(h, str) for h in headers):
            raise ValueError("headers is not a list of text")
        if not isinstance(derive, list) or not all(isinstance(d, str) for d in derive):
            raise ValueError("derive is not a list of text")
        values = {k: _text_map(t) for k, t in _text_map(document.get("values", {})).items()}
        mapping = FieldMapping(
            str(document["kind"]),
            _text_map(document["columns"]),
            values,
            _text_map(document.get("fills", {})),
            frozenset(derive),
        )
    except (KeyError, ValueError, InputError) as exc:
        reason = str(exc).replace("\n", " ")
        raise _damaged(name, path, reason) from exc
    return SavedMapping(name, mapping, tuple(headers), str(document.get("saved_at", "")))


def mappings_for(headers: Iterable[object], kind: str) -> tuple[list[SavedMapping], list[str]]:
    """Saved mappings for a ``kind`` layer whose header set equals ``headers`` (as text).

    Returns
    -------
    (list of SavedMapping, list of str)
        The matching mappings by name, and one bilingual message per saved file that could
        not be read (damaged files are reported, not fatal).
    """
    wanted = {str(h) for h in headers}
    matches, problems = [], []
    for name in list_mappings():
        try:
            saved = load_mapping(name)
        except InputError as exc:
            problems.append(str(exc))
            continue
        if saved.mapping.kind == kind and set(saved.headers) == wanted:
            matches.append(saved)
    return matches, problems


def delete_mapping(name: str) -> None:
    """Delete the mapping saved as ``name`` (nothing to do when there is none).

    Raises
    ------
    InputError
        An invalid name, or a file that cannot be removed.
    """
    path = _folder() / f"{_check_name(name)}.json"
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法删除字段对应文件 {path}：{exc.strerror or exc}。请检查工作区文件夹权限。",
            f"Cannot delete {path}: {exc.strerror or exc}. Check the workspace folder's "
            "permissions.",
        ) from exc
