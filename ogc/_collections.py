"""What the endpoint publishes: one :class:`Collection` per base layer, per saved scenario's
parcels and changes, and per analysis result of the baseline and of each scenario.

Method: :class:`Catalog` reads the current layers and the scenario store through the two
callables it is given (so the server's own layers and store are used, and tests can give
their own), lists the collections, and builds a collection's features only when asked.
Computed collections (a scenario applied, contiguity blocks, capacity) are kept in a small
least-recently-used memo keyed by the layers' fingerprint and, for scenarios, by the id and
version of the scenario and of every scenario it builds on — a save changes the version, so
a stale result is never served.

Which scenarios a caller sees is decided in one place, :func:`visible_scenarios`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from analysis.capacity import rule_capacity
from analysis.contiguity import contiguous_blocks
from layers.catalog import LayerSet
from layers.scenario import apply
from layers.schema import INDUSTRIAL_LAND_USES, LAYER_SPECS
from layers.store import ScenarioInfo, ScenarioStore

__all__ = [
    "BASE_KINDS",
    "CONTIGUITY_STATUSES",
    "Catalog",
    "Collection",
    "Principal",
    "visible_scenarios",
]

#: Base layers published, in the order the collections list shows them.
BASE_KINDS = ("parcels", "enterprises", "parks", "corridor_axis", "constraints", "boundary")

#: Parcel statuses the published contiguity blocks are computed for (the land that can be
#: released: 低效用地, 储备/待整备, 可供应), with the analysis' defaults otherwise
#: (industrial land uses, 20 m gap, constraints as barriers).
CONTIGUITY_STATUSES = ("low_efficiency", "reserve", "available")

#: Column holding a feature's id per layer kind (others are numbered 1, 2, … in order).
_ID_COLUMNS = {
    "parcels": "parcel_id",
    "enterprises": "ent_id",
    "parks": "park_id",
    "changes": "parcel_id",
    "contiguity_blocks": "block_id",
    "capacity": "parcel_id",
}

#: Computed collections kept (a scenario uses three: applied, blocks, capacity).
_MEMO_ENTRIES = 12


@dataclass(frozen=True)
class Principal:
    """Who is asking: a system token's name (``kind="token"``) or a signed-in user."""

    name: str
    kind: str = "token"


@dataclass(frozen=True)
class Collection:
    """One published collection: its id, titles, the kind of its features, the column of
    its feature ids (None: 1-based row numbers) and how to build its features."""

    id: str
    title_zh: str
    title_en: str
    kind: str
    id_column: str | None
    build: Callable[[], gpd.GeoDataFrame]
    #: (west, south, east, north) when known without building the features: computed
    #: collections give the extent of the baseline parcels and the district, which holds
    #: every scenario's parcels (drawn parcels must lie in the district), so listing the
    #: collections never runs an analysis.
    extent: tuple[float, float, float, float] | None = None

    @property
    def title(self) -> str:
        return f"{self.title_zh} · {self.title_en}"


def visible_scenarios(
    infos: Iterable[ScenarioInfo],
    principal: Principal,
    private_owners: Mapping[str, str] | None = None,
) -> list[ScenarioInfo]:
    """The scenarios ``principal`` may read: every scenario but those made private
    (``private_owners``: scenario id → owner, from the team's sharing settings), which only
    their owner, signed in, sees. System tokens never see a private scenario."""
    private = private_owners or {}
    return [
        info
        for info in infos
        if info.id not in private
        or (principal.kind == "user" and principal.name == private[info.id])
    ]


class _Memo:
    """A thread-safe least-recently-used map from a key to a computed value."""

    def __init__(self, entries: int) -> None:
        self._entries = entries
        self._values: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, compute: Callable[[], object]) -> object:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._entries:
                self._values.popitem(last=False)
        return value


class Catalog:
    """The collections of the current layers and scenario store.

    Parameters
    ----------
    layers : callable returning LayerSet
        The layers the app shows (called on every request; expected to be cached).
    store : callable returning ScenarioStore
        The scenario store (any :class:`~layers.store.ScenarioStore`), unguarded: what a
        caller sees is decided by :func:`visible_scenarios`.
    private_owners : callable returning a mapping, optional
        Scenario id → owner of every private scenario (the team's sharing settings); none
        without accounts.
    """

    def __init__(
        self,
        layers: Callable[[], LayerSet],
        store: Callable[[], ScenarioStore],
        private_owners: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        self._layers = layers
        self._store = store
        self._private_owners = private_owners or dict
        self._memo = _Memo(_MEMO_ENTRIES)

    def collections(self, principal: Principal) -> list[Collection]:
        """Every collection ``principal`` may read, base layers first."""
        layers = self._layers()
        found = [self._base(layers, kind) for kind in BASE_KINDS if layers.layer(kind) is not None]
        if layers.parcels is not None:
            key = ("baseline", layers.fingerprint("parcels", "constraints", "parks"))
            extent = _extent(layers)
            found += self._analyses(key, "", "基线", "baseline", lambda: layers, extent)
            store = self._store()
            infos = store.list()
            by_id = {info.id: info for info in infos}
            for info in visible_scenarios(infos, principal, self._private_owners()):
                found += self._scenario(layers, store, info, _version_chain(by_id, info), extent)
        return found

    def find(self, collection_id: str, principal: Principal) -> Collection | None:
        """The collection named ``collection_id`` if ``principal`` may read it."""
        return next((c for c in self.collections(principal) if c.id == collection_id), None)

    # ----------------------------------------------------------------- builders

    def _base(self, layers: LayerSet, kind: str) -> Collection:
        spec = LAYER_SPECS[kind]
        gdf = layers.layer(kind)
        return Collection(
            kind, spec.zh, kind.replace("_", " "), kind, _ID_COLUMNS.get(kind), lambda: gdf
        )

    def _analyses(
        self,
        key: tuple,
        prefix: str,
        zh: str,
        en: str,
        source: Callable[[], LayerSet],
        extent: tuple[float, float, float, float],
    ) -> list[Collection]:

        def blocks() -> gpd.GeoDataFrame:
            applied = source()
            return self._memo.get(
                ("blocks", *key),
                lambda: (
                    contiguous_blocks(
                        applied.parcels,
                        statuses=list(CONTIGUITY_STATUSES),
                        land_uses=list(INDUSTRIAL_LAND_USES),
                        barriers=applied.constraints,
                    ).blocks
                ),
            )

        def capacity() -> gpd.GeoDataFrame:
            applied = source()
            return self._memo.get(("capacity", *key), lambda: rule_capacity(applied.parcels))

        return [
            Collection(
                f"{prefix}contiguity_blocks",
                f"连片地块（{zh}）",
                f"contiguous blocks ({en})",
                "contiguity_blocks",
                "block_id",
                blocks,
                extent=extent,
            ),
            Collection(
                f"{prefix}capacity",
                f"工业上楼容量（{zh}）",
                f"floor capacity per parcel ({en})",
                "capacity",
                "parcel_id",
                capacity,
                extent=extent,
            ),
        ]

    def _scenario(
        self,
        layers: LayerSet,
        store: ScenarioStore,
        info: ScenarioInfo,
        chain: tuple,
        extent: tuple[float, float, float, float],
    ) -> list[Collection]:
        prefix = f"scenario-{info.id}-"
        key = ("applied", layers.fingerprint(), *chain)

        def applied():
            return self._memo.get(
                key, lambda: apply(store.open(info.id), layers, resolve_base=store.open)
            )

        zh, en = f"情景「{info.name}」", f"scenario '{info.name}'"
        return [
            Collection(
                f"{prefix}parcels",
                f"{zh}地块",
                f"{en} parcels",
                "parcels",
                "parcel_id",
                lambda: applied().layers.parcels,
                extent=extent,
            ),
            Collection(
                f"{prefix}changes",
                f"{zh}变化",
                f"{en} changes",
                "changes",
                "parcel_id",
                lambda: applied().changes,
                extent=extent,
            ),
            *self._analyses(key, prefix, zh, en, lambda: applied().layers, extent),
        ]


def _extent(layers: LayerSet) -> tuple[float, float, float, float]:
    """Bounds of the baseline parcels and the district boundary together."""
    frames = [g for g in (layers.parcels, layers.boundary) if g is not None and len(g)]
    bounds = np.array([g.total_bounds for g in frames])
    return (*bounds[:, :2].min(axis=0).tolist(), *bounds[:, 2:].max(axis=0).tolist())


def _version_chain(by_id: dict[str, ScenarioInfo], info: ScenarioInfo) -> tuple:
    """(id, version) of a scenario and of every scenario it builds on, in order."""
    chain, seen, base_id = [(info.id, info.version)], {info.id}, info.base_id
    while base_id and base_id not in seen and base_id in by_id:
        seen.add(base_id)
        chain.append((base_id, by_id[base_id].version))
        base_id = by_id[base_id].base_id
    return tuple(chain)
