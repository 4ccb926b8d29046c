"""Scenario names unique within a store, and the codes of refused saves.

Method: a name another scenario already has (compared case-folded, blanks trimmed) gets the
first free suffix `` (2)``, `` (3)`` …; a name that already ends in such a suffix is
numbered from its stem, so copying ``名称 (2)`` gives ``名称 (3)``, not ``名称 (2) (2)``. The
stem is shortened when the suffix would pass the 200-character limit of a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["SCENARIO_DELETED", "VERSION_CONFLICT", "unique_scenario_name"]

#: ``InputError.code`` of a save refused because someone saved the scenario first.
VERSION_CONFLICT = "version_conflict"
#: ``InputError.code`` of a save refused because the stored scenario was deleted.
SCENARIO_DELETED = "scenario_deleted"

_MAX_NAME = 200
_SUFFIX = re.compile(r"^(?P<stem>.*\S) \((?P<n>\d+)\)$")


def _key(name: str) -> str:
    return name.strip().casefold()


def unique_scenario_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … — the first not in ``taken``.

    >>> unique_scenario_name("高新南", ["高新南", "高新南 (2)"])
    '高新南 (3)'
    """
    used = {_key(t) for t in taken if t is not None}
    name = name.strip()
    if _key(name) not in used:
        return name
    match = _SUFFIX.match(name)
    stem = match["stem"] if match else name
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = stem[: _MAX_NAME - len(suffix)] + suffix
        if _key(candidate) not in used:
            return candidate
        number += 1
