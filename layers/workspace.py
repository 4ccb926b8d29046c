"""The workspace folder: where the tool keeps what a planner saves on this machine.

One folder holds the embedded scenario store (``scenarios.gpkg``) and the kept imports
(``imports/``). It is ``$LANDPLAN_WORKSPACE`` when set, else ``./workspace`` relative to the
working directory; it is created on first use, and a folder that cannot be created is a
bilingual :class:`~geo.errors.InputError` naming the variable to set.
"""

from __future__ import annotations

import os
from pathlib import Path

from geo.errors import InputError

__all__ = ["DEFAULT_WORKSPACE", "WORKSPACE_ENV", "workspace_dir"]

#: Environment variable naming the workspace folder.
WORKSPACE_ENV = "LANDPLAN_WORKSPACE"
#: Workspace folder when the variable is unset (relative to the working directory).
DEFAULT_WORKSPACE = "workspace"


def workspace_dir() -> Path:
    """The workspace folder (``$LANDPLAN_WORKSPACE``, else ``./workspace``), created if needed."""
    folder = Path(os.environ.get(WORKSPACE_ENV) or DEFAULT_WORKSPACE).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"无法创建工作区文件夹 {folder}：{exc.strerror}。请设置环境变量 {WORKSPACE_ENV} "
            "指向可写的文件夹。",
            f"Cannot create the workspace folder {folder}: {exc.strerror}. Set {WORKSPACE_ENV} "
            "to a writable folder.",
        ) from exc
    return folder
