"""Scenarios on newer base data: which of their edits no longer apply.

Method: a scenario records the base-data version it was built on
(:attr:`Scenario.base_data_version`, stamped by the store on its first save); when the
newest version recorded in the store (:meth:`ScenarioStore.base_data_versions`) is another
one, the scenario is replayed on the current layers with :func:`layers.scenario.apply`,
whose problems are the edits that no longer apply (a parcel gone, an id taken, a line that
misses its parcel) — the same report a rebase gives, never an edit dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable

from layers.catalog import LayerSet
from layers.scenario import Problem, Scenario, apply
from layers.store._interface import BaseDataVersion

__all__ = ["outdated_edits"]


def outdated_edits(
    scenario: Scenario,
    newest: BaseDataVersion | None,
    layers: LayerSet,
    resolve_base: Callable[[str], Scenario] | None = None,
) -> tuple[Problem, ...]:
    """The edits of ``scenario`` (and its bases) that do not apply in full on ``layers``,
    when the scenario was built on a base-data version other than ``newest``; () when it
    was built on ``newest`` or no version is recorded."""
    if newest is None or scenario.base_data_version == newest.name:
        return ()
    return apply(scenario, layers, resolve_base=resolve_base).problems
