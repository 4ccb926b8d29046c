"""The store interface the UI talks to: :class:`ScenarioStore` and :class:`ScenarioInfo`.

Method: a structural protocol (list, open, save, save as new, delete, duplicate, rename), checkable at
run time, so a server-backed store for many users can stand beside the embedded GeoPackage
one without the UI changing; :class:`ScenarioInfo` is a scenario without its edits, what
the scenario list shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from layers.scenario import (
    Scenario,
)

__all__ = [
    "BaseDataVersion",
    "ScenarioInfo",
    "ScenarioStore",
]


@dataclass(frozen=True)
class ScenarioInfo:
    """What the scenario list shows: everything but the edits."""

    id: str
    name: str
    description: str
    author: str
    created_at: str
    updated_at: str
    base_id: str | None
    version: int
    edit_count: int
    base_data_version: str | None = None


@dataclass(frozen=True)
class BaseDataVersion:
    """A named version of the base layers: an administrator's import, recorded in the store.

    ``name`` is unique in the store (e.g. "2025 年现状调查"); ``content_id`` is the
    :attr:`~layers.catalog.LayerSet.content_id` of the layers imported; ``recorded_at`` ISO
    8601 UTC."""

    name: str
    content_id: str
    recorded_at: str
    author: str = ""


@runtime_checkable
class ScenarioStore(Protocol):
    """Where scenarios are kept. Every method raises :class:`InputError` on bad input."""

    #: True when scenarios can be listed and opened but every write is refused.
    read_only: bool

    def list(self) -> list[ScenarioInfo]:
        """Every scenario, most recently saved first."""
        ...

    def open(self, scenario_id: str) -> Scenario:
        """The stored scenario; its ``version`` is the stored version."""
        ...

    def save(self, scenario: Scenario, expected_version: int | None = None) -> Scenario:
        """Store ``scenario`` if the stored version is ``expected_version`` (default:
        ``scenario.version``; 0 = not stored yet); return it with the new version."""
        ...

    def save_as_new(
        self, scenario: Scenario, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save ``scenario`` under a new id as version 1 ("save as") and return it."""
        ...

    def record_base_data(self, name: str, content_id: str, *, author: str = "") -> BaseDataVersion:
        """Record an import of base layers as the newest named version and return it."""
        ...

    def base_data_versions(self) -> list[BaseDataVersion]:
        """Every recorded base-data version, newest first."""
        ...

    def delete(self, scenario_id: str, *, confirm: bool = False) -> None:
        """Delete a scenario; refused unless ``confirm`` is True."""
        ...

    def duplicate(
        self, scenario_id: str, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save a copy under a new id and return it."""
        ...

    def rename(
        self, scenario_id: str, name: str, *, expected_version: int, description: str | None = None
    ) -> Scenario:
        """Change the name (and description) of a stored scenario."""
        ...
