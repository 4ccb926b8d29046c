"""What every store does the same way on top of ``open`` and ``save``: duplicate, save as a
new scenario, rename.

Method: :class:`CopyingStore` is a base class; a store inherits it and provides ``open``,
``save`` and ``_check_writable`` (refuse at once when the store cannot be written). A copy
is the scenario under a new id as version 0, its name made unique by
:func:`~layers.scenario.scenario_name`, saved with ``expected_version=0``; a rename is
a version-checked save of the stored scenario with new details.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from layers.scenario import Scenario, now_iso, scenario_name

__all__: list[str] = []


class CopyingStore:
    """duplicate / save_as_new / rename for any store with ``open`` and ``save``."""

    def _check_writable(self) -> None:
        """Refuse before any work when the store cannot be written (default: it can)."""

    def duplicate(
        self, scenario_id: str, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save a copy (new id, version 1, same base and edits) and return it.

        The copy is named ``name`` or ``<name>（副本）``; ``author`` defaults to the original's.
        """
        self._check_writable()
        original = self.open(scenario_id)
        return self.save_as_new(
            original,
            name=name if name is not None else f"{original.name}（副本）",
            author=author,
        )

    def save_as_new(
        self, scenario: Scenario, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save ``scenario`` (its base and the edits it holds, not those of any stored
        copy) under a new id as version 1 and return it: "save as", e.g. for a working
        copy whose save was refused (someone saved first) or whose stored scenario was
        deleted meanwhile. ``name`` and ``author`` default to the scenario's; a name
        another scenario has becomes ``名称 (2)``. Each edit keeps its own author."""
        stamp = now_iso()
        copy = replace(
            scenario,
            id=str(uuid.uuid4()),
            name=scenario_name(scenario.name if name is None else name),
            author=scenario.author if author is None else str(author),
            created_at=stamp,
            updated_at=stamp,
            version=0,
        )
        return self.save(copy, 0)

    def rename(
        self, scenario_id: str, name: str, *, expected_version: int, description: str | None = None
    ) -> Scenario:
        """Change name (and description) of a stored scenario; version-checked like save."""
        self._check_writable()
        current = self.open(scenario_id)
        return self.save(current.with_details(name=name, description=description), expected_version)
