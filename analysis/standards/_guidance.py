"""Park guidance: which clusters the district plan guides into each park, and which clusters
count as an anchor's supply chain (``data/standards/park_guidance.yaml``).

Method: the document is one spec of the shared validator (:mod:`._validate`), like far.yaml
and highrise.yaml. ``parks`` maps park_id → {``name_zh``, ``name_en``, ``kind`` (``park`` or
``corridor``), ``clusters`` (non-empty list), ``plan_text``, provenance}; ``supply_chain``
maps a cluster → {``suppliers``, ``source:`` or ``assumption: true``, ``note``}, or a plain
list of suppliers, which is read as an assumption. Clusters may be given by code or by label
(Chinese, English, alias) and are stored as :data:`layers.schema.CLUSTER` codes; repeats are
dropped and an anchor is never its own supplier. Every problem is named by its key
(``parks.p1.clusters[1]``) in one :class:`~geo.errors.InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from analysis.standards._validate import (
    ROOT,
    Checker,
    Choice,
    Code,
    Codes,
    Field,
    Keyed,
    Table,
    Text,
    check_entry,
)
from analysis.standards._yaml import PARK_GUIDANCE_YAML, read_yaml
from geo.errors import InputError
from layers.schema import CLUSTER

__all__ = [
    "GUIDANCE_DOCUMENT",
    "ParkGuidance",
    "ParkGuide",
    "load_park_guidance",
    "park_guidance_from_dict",
    "resolve_park_guidance",
]


@dataclass(frozen=True)
class ParkGuide:
    """The guided clusters of one park or belt.

    Attributes
    ----------
    park_id : str
        Id as used in the parks layer and the enterprises' ``park_id`` column.
    name_zh, name_en : str
        Display names.
    clusters : tuple of str
        Guided :data:`layers.schema.CLUSTER` codes, in plan order.
    kind : str
        ``park`` or ``corridor``.
    source : str or None
        Where the guidance is written.
    """

    park_id: str
    name_zh: str
    name_en: str
    clusters: tuple[str, ...]
    kind: str = "park"
    source: str | None = None


@dataclass(frozen=True)
class ParkGuidance:
    """Validated contents of ``park_guidance.yaml``.

    Attributes
    ----------
    parks : mapping of park_id to ParkGuide
    supply_chain : mapping of cluster code to tuple of cluster codes
        For an anchor's cluster, the clusters counted as its supply chain.
    supply_chain_assumed : mapping of cluster code to bool
        True where the link is an assumption rather than a sourced fact.
    source : str
        The document the guidance follows.
    """

    parks: Mapping[str, ParkGuide]
    supply_chain: Mapping[str, tuple[str, ...]]
    supply_chain_assumed: Mapping[str, bool]
    source: str = ""

    def guided(self, park_id: str) -> tuple[str, ...]:
        """Guided cluster codes of ``park_id``; :class:`InputError` if it has no guidance."""
        if park_id not in self.parks:
            raise InputError(
                f"园区「{park_id}」在园区产业导向表 (park_guidance.yaml) 中没有条目，"
                f"请在 parks 下添加该园区及其导向集群。",
                f"Park '{park_id}' has no entry in the park guidance table "
                f"(park_guidance.yaml); add it under 'parks' with its guided clusters.",
            )
        return self.parks[park_id].clusters

    def suppliers(self, cluster: str) -> tuple[str, ...]:
        """Supply-chain clusters of ``cluster`` (empty when none are listed)."""
        return self.supply_chain.get(cluster, ())


_CLUSTER = Code(CLUSTER, "产业集群代码", "a cluster code")

PARK_GUIDE = Table(
    (
        Field("name_zh", Text()),
        Field("name_en", Text(), required=False),
        Field("kind", Choice(("park", "corridor")), required=False, default="park"),
        Field("clusters", Codes(_CLUSTER)),
        Field("plan_text", Text(), required=False),
    ),
    provenance="optional",
)
SUPPLY_LINK = Table((Field("suppliers", Codes(_CLUSTER, allow_empty=True)),), shorthand="suppliers")
#: park_guidance.yaml: the plan document, the guided clusters per park, the supply chains.
GUIDANCE_DOCUMENT = Table(
    (
        Field("source", Text(), required=False),
        Field("parks", Keyed(PARK_GUIDE)),
        Field("supply_chain", Keyed(SUPPLY_LINK, key=_CLUSTER, allow_empty=True), required=False),
    ),
    provenance="none",
)


def park_guidance_from_dict(data: Mapping, *, source: str | None = None) -> ParkGuidance:
    """Validate a guidance table given as a mapping (the parsed YAML, or the UI's edit).

    Parameters
    ----------
    data : mapping
        With ``parks`` (park_id → {name_zh, name_en, kind, clusters, source}) and
        ``supply_chain`` (cluster → {suppliers, assumption, note} or a plain list).
    source : str, optional
        File name used in error messages.

    Returns
    -------
    ParkGuidance

    Raises
    ------
    InputError
        Listing every problem, each naming its key (e.g. ``parks.gaoxin_north.clusters``).
    """
    checker = Checker()
    doc = check_entry(data, ROOT, GUIDANCE_DOCUMENT, checker)
    checker.raise_if_any(source, "园区产业导向表", "The park guidance table has")
    parks = {
        park_id: ParkGuide(
            park_id=park_id,
            name_zh=e["name_zh"],
            name_en=e["name_en"] or e["name_zh"],
            clusters=e["clusters"],
            kind=e["kind"],
            source=e["source"],
        )
        for park_id, e in doc["parks"].items()
    }
    links = doc["supply_chain"] or {}
    return ParkGuidance(
        parks=MappingProxyType(parks),
        supply_chain=MappingProxyType(
            {code: tuple(s for s in e["suppliers"] if s != code) for code, e in links.items()}
        ),
        supply_chain_assumed=MappingProxyType({code: e["assumption"] for code, e in links.items()}),
        source=doc["source"] or "",
    )


def load_park_guidance(path: str | Path | None = None) -> ParkGuidance:
    """Read and validate ``park_guidance.yaml`` (the bundled one when ``path`` is None).

    Raises
    ------
    InputError
        When the file is missing, is not valid YAML, or any entry is broken (an unknown
        cluster code, a park without clusters …), naming every offending key.
    """
    path = Path(path) if path is not None else PARK_GUIDANCE_YAML
    data = read_yaml(path, "园区产业导向表", "park guidance table")
    return park_guidance_from_dict(data, source=path.name)


def resolve_park_guidance(guidance: ParkGuidance | Mapping | str | Path | None) -> ParkGuidance:
    """The guidance an analysis was given: as is, read from a path, validated from a
    mapping, or the bundled table when None."""
    if isinstance(guidance, ParkGuidance):
        return guidance
    if guidance is None or isinstance(guidance, str | Path):
        return load_park_guidance(guidance)
    return park_guidance_from_dict(guidance)
