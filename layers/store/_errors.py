"""Failures of the store as messages: every SQLite or disk error becomes one bilingual
:class:`~geo.errors.InputError` saying what to do, never a raw ``sqlite3`` error.

Method: the error is classified by its ``errno`` (an :class:`OSError`) or its SQLite text —
a full disk (``ENOSPC``, ``EDQUOT``, "database or disk is full"), a busy file ("locked",
"busy"), a damaged or foreign file ("not a database", "malformed"), a file or folder that
cannot be written (``EACCES``, ``EPERM``, ``EROFS``, "readonly database", "read-only",
"unable to open database file"; :func:`_is_unwritable`, which also decides when a store is
opened read-only), else a general read/write failure. The exception's own text names no
server path, so it may be shown.
"""

from __future__ import annotations

import errno
import sqlite3

from geo.errors import InputError
from layers.workspace import WORKSPACE_ENV

__all__: list[str] = []


def _failure(exc: sqlite3.Error | OSError, source: str) -> InputError:
    """A bilingual message for a failure of SQLite or of the disk: what happened and
    what to do. The exception's own text names no server path, so it may be shown."""
    text = exc.strerror if isinstance(exc, OSError) else str(exc)
    if _is_disk_full(exc):
        return InputError(
            "磁盘空间已满，情景未保存。请清理工作区所在磁盘的空间后再保存；已保存的情景不受影响。",
            "The disk is full; the scenario was not saved. Free space on the workspace's "
            "disk and save again; scenarios saved before are unaffected.",
            source=source,
        )
    if "locked" in text or "busy" in text:
        return InputError(
            "情景文件正被另一个保存占用，请稍后再试。",
            "The scenario file is busy with another save; try again in a moment.",
            source=source,
        )
    if "not a database" in text or "malformed" in text:
        return InputError(
            "情景文件不是有效的 GeoPackage/SQLite 文件，或已损坏。请换一个工作区文件。",
            "The scenario file is not a valid GeoPackage/SQLite file or is damaged; use "
            "another workspace file.",
            source=source,
        )
    if _is_unwritable(exc):
        return _read_only_failure(source)
    return InputError(
        f"读写情景文件失败：{text}。请稍后再试；问题持续时请检查工作区所在磁盘。",
        f"Reading/writing the scenario file failed: {text}. Try again; if it keeps "
        "failing, check the workspace's disk.",
        source=source,
    )


def _read_only_failure(source: str) -> InputError:
    return InputError(
        f"情景文件只能读取、不能写入：可以查看和打开情景，但不能保存、重命名或删除。"
        f"请把环境变量 {WORKSPACE_ENV} 设为可写的文件夹，或检查文件权限。",
        "The scenario file can be read but not written: scenarios can be listed and "
        f"opened, not saved, renamed or deleted. Set {WORKSPACE_ENV} to a writable "
        "folder, or check the file's permissions.",
        source=source,
    )


def _is_disk_full(exc: BaseException) -> bool:
    """A full disk: ``ENOSPC``, or SQLite's "database or disk is full"."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    return "disk is full" in str(exc) or "SQLITE_FULL" in str(exc)


def _is_unwritable(exc: BaseException) -> bool:
    """The file or its folder cannot be written (permissions, read-only file system)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    text = str(exc)
    return any(
        part in text for part in ("readonly database", "read-only", "unable to open database file")
    )
