"""The scenario record: a named, versioned, immutable list of edits with ``with_*`` copies.

Method: a frozen dataclass; every change returns a copy. Besides its stored ``version`` a
scenario records ``saved_edit_count``, how many of its leading edits are those of that
stored version, so the edits after them are the planner's unsaved ones: what
:func:`layers.scenario.rebase` replays when a save is refused because someone saved first.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field, replace

import shapely

from geo.errors import InputError
from layers.scenario._edits import Edit, now_iso

__all__ = ["Scenario", "new_scenario", "scenario_name"]

# --- scenarios --------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A named, ordered list of edits on the baseline or on another scenario.

    Attributes
    ----------
    id : str
        uuid4 text, stable across saves, renames and exports.
    name, description, author : str
    created_at, updated_at : str
        ISO 8601 UTC; the store sets ``updated_at`` on every save.
    base_id : str or None
        None: edits apply to the baseline layers; else the id of the scenario whose result
        they apply to.
    version : int
        The stored version this object was read or saved as; 0 = never saved. The store
        refuses a save whose version is not the stored one (another tab saved first).
    edits : tuple of Edit
        In order; each keeps its own ``author`` and ``created_at`` (who made it and when),
        which may differ from the scenario's ``author`` (who created the scenario).
    saved_edit_count : int
        How many leading edits are those of the stored ``version`` (the store sets it on
        open and save; 0 for a scenario never saved); ``edits[saved_edit_count:]`` are
        unsaved (:attr:`unsaved_edits`).
    base_data_version : str or None
        The name of the base-data version (an administrator's import, e.g. "2025 年现状调查")
        the scenario was built on; the store records the newest one on a first save when
        it is None. None: not known (built before versions were recorded).
    """

    id: str
    name: str
    description: str = ""
    author: str = ""
    created_at: str = field(default_factory=now_iso)
    updated_at: str = ""
    base_id: str | None = None
    version: int = 0
    edits: tuple[Edit, ...] = ()
    saved_edit_count: int = 0
    base_data_version: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "edits", tuple(self.edits))
        if not self.updated_at:
            object.__setattr__(self, "updated_at", self.created_at)
        count = int(self.saved_edit_count)
        if not 0 <= count <= len(self.edits):
            raise InputError(
                f"已保存的编辑数 {count} 应在 0 与编辑总数 {len(self.edits)} 之间。",
                f"saved_edit_count {count} must lie between 0 and the {len(self.edits)} edits.",
            )
        object.__setattr__(self, "saved_edit_count", count)

    @property
    def unsaved_edits(self) -> tuple[Edit, ...]:
        """The edits made since the stored version was read or saved, in order."""
        return self.edits[self.saved_edit_count :]

    def with_edit(self, edit: Edit) -> Scenario:
        """A copy with ``edit`` appended as it is: its own author and time are kept (the
        edit records who made it, not who created the scenario)."""
        if not isinstance(edit, Edit):
            raise InputError("只能追加 Edit 编辑。", "Only Edit objects can be appended.")
        return replace(self, edits=(*self.edits, edit))

    def with_saved(self, version: int) -> Scenario:
        """A copy marked as stored version ``version`` with every edit saved (what the
        store returns after a save and on open)."""
        return replace(self, version=int(version), saved_edit_count=len(self.edits))

    def undo(self) -> Scenario:
        """A copy without the last edit; :class:`InputError` when there is none."""
        if not self.edits:
            raise InputError("没有可撤销的编辑。", "There is no edit to undo.")
        return self.without_edit(len(self.edits) - 1)

    def without_edit(self, index: int) -> Scenario:
        """A copy without edit number ``index`` (0-based), to drop an edit mid-list.

        Dropping a saved edit shortens the saved part (``saved_edit_count``)."""
        if not -len(self.edits) <= index < len(self.edits):
            raise InputError(f"没有第 {index + 1} 项编辑。", f"There is no edit #{index + 1}.")
        index %= len(self.edits)
        edits = list(self.edits)
        del edits[index]
        saved = self.saved_edit_count - (1 if index < self.saved_edit_count else 0)
        return replace(self, edits=tuple(edits), saved_edit_count=saved)

    def fingerprint(self) -> str:
        """A short hash of what :func:`apply` depends on (base id and edits, not names or
        times), for keying caches of applied layers and indicators. A scenario built on
        another one depends on that one's edits too: combine their fingerprints."""
        digest = hashlib.blake2b(digest_size=8)
        digest.update(str(self.base_id).encode())
        for edit in self.edits:
            digest.update(
                repr((edit.kind, edit.parcel_ids, sorted(edit.attributes.items()))).encode()
            )
            digest.update(b"" if edit.geometry is None else shapely.to_wkb(edit.geometry))
        return digest.hexdigest()

    def with_base_data(self, version: str | None) -> Scenario:
        """A copy recorded as built on base-data version ``version`` (e.g. after the planner
        checked its edits on newer base data)."""
        return replace(self, base_data_version=None if version in (None, "") else str(version))

    def with_details(self, *, name: str | None = None, description: str | None = None) -> Scenario:
        """A copy with a new name and/or description."""
        return replace(
            self,
            name=self.name if name is None else scenario_name(name),
            description=self.description if description is None else str(description),
        )


def scenario_name(name: object) -> str:
    """A scenario name stripped of blanks; :class:`InputError` when empty or too long."""
    text = str(name or "").strip()
    if not text:
        raise InputError("请填写情景名称。", "Give the scenario a name.")
    if len(text) > 200:
        raise InputError("情景名称过长（最多 200 字）。", "The scenario name is too long (≤ 200).")
    return text


def new_scenario(
    name: str, author: str = "", description: str = "", base_id: str | None = None
) -> Scenario:
    """A new, empty, unsaved scenario (version 0) with a fresh uuid4 id.

    ``base_id`` None builds on the baseline; another scenario's id builds on its result.
    """
    moment = now_iso()
    return Scenario(
        id=str(uuid.uuid4()),
        name=scenario_name(name),
        description=str(description),
        author=str(author),
        created_at=moment,
        updated_at=moment,
        base_id=None if base_id in (None, "") else str(base_id),
    )
