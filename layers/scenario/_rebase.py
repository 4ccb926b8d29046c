"""Rebasing a working copy after a refused save: replay my unsaved edits on the newest version.

Method: a scenario records how many of its leading edits are those of the stored version
it was read at (:attr:`Scenario.saved_edit_count`); the edits after them are the planner's
unsaved work. When a save is refused because someone saved first, :func:`rebase` appends
those edits, in order, to the newest stored version's edits and replays the whole list
with :func:`~layers.scenario.apply` on the baseline. Every one of my edits that
:func:`apply` reports is listed with its bilingual reason; one that changed nothing at all
(its parcels were removed, its new id is taken) is left out of the rebased scenario, one
that applied in part is kept. Leaving out an edit that changed nothing does not change what
the later edits see, so one replay decides every edit. The rebased scenario carries the
newest stored version, so the next save is accepted; its name, description and base are
the stored ones (a rename by the colleague wins).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from geo.errors import InputError
from layers.catalog import LayerSet
from layers.scenario._apply import apply
from layers.scenario._edits import Edit
from layers.scenario._model import Scenario

__all__ = ["Rebase", "RebaseConflict", "rebase"]


@dataclass(frozen=True)
class RebaseConflict:
    """One of my unsaved edits that no longer applies (in full) to the newest version.

    Attributes
    ----------
    index : int
        The edit's position (0-based) in my working copy's edits.
    edit : Edit
        The edit itself, so the page can show it or let the planner redo it.
    zh, en : str
        Why, in Chinese and in English (several reasons joined by ``；`` / ``; ``).
    dropped : bool
        True: the edit changed nothing on the newest version and is left out of the
        rebased scenario; False: it applied in part and is kept.
    """

    index: int
    edit: Edit
    zh: str
    en: str
    dropped: bool

    @property
    def message(self) -> str:
        """Chinese, then `` / `` and English."""
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True)
class Rebase:
    """The result of :func:`rebase`.

    Attributes
    ----------
    scenario : Scenario
        The newest stored version's edits followed by my edits that still apply, with
        ``version`` = the stored version (the next save is accepted) and
        ``saved_edit_count`` = the stored edit count (my edits are unsaved until then).
    replayed : tuple of Edit
        My edits kept in ``scenario``, in order.
    conflicts : tuple of RebaseConflict
        My edits that no longer apply in full, in order.
    """

    scenario: Scenario
    replayed: tuple[Edit, ...]
    conflicts: tuple[RebaseConflict, ...]

    @property
    def dropped(self) -> tuple[Edit, ...]:
        """My edits left out of :attr:`scenario` because they changed nothing."""
        return tuple(c.edit for c in self.conflicts if c.dropped)


def rebase(
    mine: Scenario,
    stored: Scenario,
    base_version: int | None,
    base: LayerSet,
    *,
    resolve_base: Callable[[str], Scenario] | None = None,
) -> Rebase:
    """Replay my unsaved edits on the newest stored version of the same scenario.

    Parameters
    ----------
    mine : Scenario
        My working copy whose save was refused; its unsaved edits are
        ``mine.edits[mine.saved_edit_count:]``.
    stored : Scenario
        The newest stored version (``store.open(mine.id)``).
    base_version : int or None
        The stored version my copy started from (None: ``mine.version``).
    base : LayerSet
        The baseline layers the scenario applies to.
    resolve_base : callable, optional
        As for :func:`apply`, when the scenario builds on another scenario.

    Returns
    -------
    Rebase

    Raises
    ------
    InputError
        ``stored`` is another scenario, or older than the version my copy started from.
    """
    if not isinstance(mine, Scenario) or not isinstance(stored, Scenario):
        raise InputError("只能合并 Scenario 情景。", "Only Scenario objects can be rebased.")
    started = mine.version if base_version is None else int(base_version)
    if stored.id != mine.id:
        raise InputError(
            f"「{stored.name}」不是情景「{mine.name}」的保存版本，无法合并。",
            f"'{stored.name}' is not a stored version of scenario '{mine.name}'; cannot rebase.",
        )
    if stored.version < started:
        raise InputError(
            f"保存的版本 {stored.version} 早于你开始编辑的版本 {started}，请重新读取最新版本。",
            f"The stored version {stored.version} is older than the version {started} you "
            "started from; read the newest version again.",
        )
    mine_edits = mine.unsaved_edits
    first = len(stored.edits)
    candidate = replace(
        stored, edits=(*stored.edits, *mine_edits), saved_edit_count=len(stored.edits)
    )
    applied = apply(candidate, base, resolve_base=resolve_base)
    reasons: dict[int, list[tuple[str, str]]] = {}
    effective: dict[int, bool] = {}
    for problem in applied.problems:
        if problem.scenario_id != stored.id or problem.index < first:
            continue
        k = problem.index - first
        reasons.setdefault(k, []).append(_split(problem.message))
        effective[k] = effective.get(k, True) and problem.applied
    conflicts = []
    kept = []
    for k, edit in enumerate(mine_edits):
        if k in reasons:
            conflicts.append(
                RebaseConflict(
                    index=mine.saved_edit_count + k,
                    edit=edit,
                    zh="；".join(zh for zh, _ in reasons[k]),
                    en="; ".join(en for _, en in reasons[k]),
                    dropped=not effective[k],
                )
            )
        if k not in reasons or effective[k]:
            kept.append(edit)
    return Rebase(
        scenario=replace(candidate, edits=(*stored.edits, *kept)),
        replayed=tuple(kept),
        conflicts=tuple(conflicts),
    )


def _split(message: str) -> tuple[str, str]:
    """A ``中文 / English`` problem message as its two halves."""
    zh, sep, en = message.partition(" / ")
    return (zh, en) if sep else (message, message)
