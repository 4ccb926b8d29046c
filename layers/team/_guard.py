"""A scenario store that checks the user's rights before it changes anything.

Method: :class:`GuardedScenarioStore` wraps any :class:`~layers.store.ScenarioStore`
(GeoPackage or PostGIS) for one signed-in user and implements the same protocol. Before a
call reaches the inner store it decides, from the user's role and the scenario's sharing
in the :class:`~layers.team.TeamStore`:

======================  ========  ====================================  ==========
action                  viewer    planner                               admin
======================  ========  ====================================  ==========
list / open             readable  own, team-readable, shared            all
base-data versions      read      read                                  record
create / duplicate      no        yes (becomes the owner)               yes
save                    no        own, or shared for editing with them  all
rename / delete / share no        own                                   all
======================  ========  ====================================  ==========

*Readable*: the owner's, or not :data:`~layers.team.PRIVATE`. A scenario with no sharing
recorded (saved before accounts existed) is readable by the team and changed by admins
only. A private scenario is not listed to others. Every refusal is a bilingual
:class:`~geo.errors.InputError` with ``code`` ``"forbidden"`` and an audit row
(``refused``); every change is an audit row too — for a save, the edits added since the
version the copy was opened at (``scenario.edits[scenario.saved_edit_count:]``).
"""

from __future__ import annotations

from collections.abc import Iterable

from geo.errors import InputError
from layers.scenario import Edit, Scenario
from layers.store import ScenarioInfo, ScenarioStore
from layers.team._model import ADMIN, TeamUser, refusal, require, role_allows
from layers.team._store import EDITORS, PRIVATE, TEAM, Sharing, TeamStore, _invalid_user

__all__ = ["GuardedScenarioStore", "edit_summary"]


def edit_summary(edits: Iterable[Edit]) -> list[dict]:
    """The audit form of edits: kind, parcels, attributes set, note, author (no geometry)."""
    return [
        {
            "kind": edit.kind,
            "parcel_ids": list(edit.parcel_ids),
            "attributes": dict(edit.attributes),
            "note": edit.note,
            "author": edit.author,
        }
        for edit in edits
    ]


class GuardedScenarioStore:
    """``inner`` as ``user`` may use it; see the module docstring for the rights."""

    def __init__(self, inner: ScenarioStore, team: TeamStore, user: TeamUser) -> None:
        self.inner = inner
        self.team = team
        self.user = user

    @property
    def read_only(self) -> bool:
        """True when the inner store cannot be written or the user may change nothing."""
        return bool(getattr(self.inner, "read_only", False)) or not self.may_create()

    # ------------------------------------------------------------------ decisions

    def _is_admin(self) -> bool:
        return not self.user.disabled and self.user.role == ADMIN

    def may_create(self) -> bool:
        return not self.user.disabled and role_allows(self.user.role, "create")

    def _may_read(self, sharing: Sharing | None) -> bool:
        if self.user.disabled:
            return False
        if self._is_admin() or sharing is None or sharing.visibility != PRIVATE:
            return True
        return sharing.owner == self.user.name

    def _owns(self, sharing: Sharing | None) -> bool:
        return self._is_admin() or (
            sharing is not None
            and sharing.owner == self.user.name
            and role_allows(self.user.role, "save")
        )

    def may_save(self, scenario_id: str) -> bool:
        """Whether the user may save the stored scenario ``scenario_id``."""
        sharing = self.team.sharing(scenario_id)
        if self._owns(sharing):
            return True
        return (
            sharing is not None
            and sharing.visibility == EDITORS
            and self.user.name in sharing.editors
            and role_allows(self.user.role, "save")
        )

    def may_manage(self, scenario_id: str) -> bool:
        """Whether the user may rename, delete or share ``scenario_id`` (owner or admin)."""
        return self._owns(self.team.sharing(scenario_id))

    def _refuse(self, action: str, scenario_id: str = "", name: str = "") -> None:
        self.team.record(
            self.user,
            "refused",
            scenario_id=scenario_id,
            scenario_name=name,
            detail={"action": action},
        )
        if not role_allows(self.user.role, action) or self.user.disabled:
            raise refusal(self.user, action)
        if action == "read":
            raise refusal(
                self.user,
                action,
                "，且该情景是他人的私有情景",
                ", and the scenario is someone else's private one",
            )
        raise refusal(
            self.user,
            action,
            "，且该情景不是其本人的、也未共享给其编辑",
            ", and the scenario is neither theirs nor shared with them for editing",
        )

    def _require(self, action: str) -> None:
        try:
            require(self.user, action)
        except InputError:
            self.team.record(self.user, "refused", detail={"action": action})
            raise

    # ------------------------------------------------------------------ protocol

    def list(self) -> list[ScenarioInfo]:
        """The scenarios the user may read, most recently saved first."""
        sharings = self.team.sharings()
        return [info for info in self.inner.list() if self._may_read(sharings.get(info.id))]

    def open(self, scenario_id: str) -> Scenario:
        if not self._may_read(self.team.sharing(scenario_id)):
            self._refuse("read", scenario_id)
        return self.inner.open(scenario_id)

    def save(self, scenario: Scenario, expected_version: int | None = None) -> Scenario:
        expected = scenario.version if expected_version is None else expected_version
        if expected == 0:
            return self._created(self._check_create(scenario).save(scenario, 0), scenario.edits)
        if not self.may_save(scenario.id):
            self._refuse("save", scenario.id, scenario.name)
        added = scenario.edits[scenario.saved_edit_count :]
        saved = self.inner.save(scenario, expected_version)
        self._record_edits("scenario_save", saved, added)
        return saved

    def save_as_new(
        self, scenario: Scenario, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        """Save a copy under a new id, owned by the user (creating rights needed)."""
        saved = self._check_create(scenario).save_as_new(scenario, name=name, author=author)
        return self._created(saved, scenario.edits)

    def record_base_data(self, name: str, content_id: str, *, author: str = ""):
        """Record the active layers as a named base-data version (admin only, audited)."""
        self._require("import_base")
        recorded = self.inner.record_base_data(name, content_id, author=author or self.user.name)
        self.team.record(
            self.user,
            "base_import",
            detail={"base_data_version": recorded.name, "content_id": content_id},
        )
        return recorded

    def base_data_versions(self):
        """Every recorded base-data version (anyone signed in may read them)."""
        return self.inner.base_data_versions()

    def duplicate(
        self, scenario_id: str, *, name: str | None = None, author: str | None = None
    ) -> Scenario:
        self.open(scenario_id)  # the user must be able to read what is copied
        self._require("create")
        copy = self.inner.duplicate(scenario_id, name=name, author=author)
        return self._created(copy, copy.edits, source=scenario_id)

    def rename(
        self, scenario_id: str, name: str, *, expected_version: int, description: str | None = None
    ) -> Scenario:
        if not self.may_manage(scenario_id):
            self._refuse("rename", scenario_id)
        before = self.inner.open(scenario_id).name
        renamed = self.inner.rename(
            scenario_id, name, expected_version=expected_version, description=description
        )
        self.team.record(
            self.user,
            "scenario_rename",
            scenario_id=scenario_id,
            scenario_name=renamed.name,
            detail={"from": before, "to": renamed.name},
        )
        return renamed

    def delete(self, scenario_id: str, *, confirm: bool = False) -> None:
        if not self.may_manage(scenario_id):
            self._refuse("delete", scenario_id)
        name = self.inner.open(scenario_id).name if confirm else ""
        self.inner.delete(scenario_id, confirm=confirm)
        self.team.forget_sharing(scenario_id)
        self.team.record(self.user, "scenario_delete", scenario_id=scenario_id, scenario_name=name)

    def share(self, scenario_id: str, visibility: str, editors: Iterable[str] = ()) -> Sharing:
        """Make a scenario private, readable by the team, or editable by ``editors``
        (user names; each must exist). Owner or admin only."""
        if not self.may_manage(scenario_id):
            self._refuse("share", scenario_id)
        names = sorted({str(e).strip() for e in editors if str(e).strip()})
        unknown = [n for n in names if self.team.user(n) is None]
        if unknown:
            raise _invalid_user([f"没有用户「{n}」/ there is no user '{n}'" for n in unknown])
        current = self.team.sharing(scenario_id)
        owner = current.owner if current is not None else self.user.name
        sharing = Sharing(owner, visibility, names if visibility == EDITORS else ())
        self.team.set_sharing(scenario_id, sharing)
        self.team.record(
            self.user,
            "scenario_share",
            scenario_id=scenario_id,
            detail={"visibility": visibility, "editors": list(sharing.editors)},
        )
        return sharing

    def sharing(self, scenario_id: str) -> Sharing | None:
        """How a scenario the user may read is shared."""
        sharing = self.team.sharing(scenario_id)
        if not self._may_read(sharing):
            self._refuse("read", scenario_id)
        return sharing

    # ------------------------------------------------------------------ helpers

    def _check_create(self, scenario: Scenario) -> ScenarioStore:
        if not self.may_create():
            self._refuse("create", scenario.id, scenario.name)
        return self.inner

    def _created(self, saved: Scenario, edits, source: str = "") -> Scenario:
        self.team.set_sharing(saved.id, Sharing(self.user.name, TEAM))
        detail = {"source": source} if source else {}
        self._record_edits("scenario_create", saved, edits, detail)
        return saved

    def _record_edits(self, kind: str, saved: Scenario, edits, detail: dict | None = None):
        summary = edit_summary(edits)
        parcels = [p for edit in summary for p in edit["parcel_ids"]]
        self.team.record(
            self.user,
            kind,
            scenario_id=saved.id,
            scenario_name=saved.name,
            parcel_ids=parcels,
            detail={**(detail or {}), "version": saved.version, "edits_added": summary},
        )
