"""The set of layers the app and the analyses work on, and loading the bundled demo.

A :class:`LayerSet` is an immutable bundle: replacing a layer returns a new set, so a
failed import never leaves a half-changed workspace behind.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.errors import InputError
from layers.schema import LAYER_KINDS, validate_layer

__all__ = [
    "DATA_DIR",
    "DEMO_DEM",
    "DEMO_DIR",
    "DEMO_GPKG",
    "DEMO_SOURCE",
    "LayerSet",
    "layer_fingerprint",
    "load_demo",
    "load_layerset",
    "save_layerset",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_DIR = DATA_DIR / "demo"
DEMO_GPKG = DEMO_DIR / "pingshan_demo.gpkg"
DEMO_DEM = DEMO_DIR / "pingshan_dem.tif"
#: Value of the ``source`` column on every layer of the bundled demo.
DEMO_SOURCE = "示意数据"


@dataclass(frozen=True)
class LayerSet:
    """All layers of one workspace, each a GeoDataFrame in EPSG:4326 (or None).

    Attributes
    ----------
    boundary, parks, corridor_axis, parcels, enterprises, constraints : GeoDataFrame or None
        The vector layers, normalised by :func:`layers.schema.validate_layer`.
    dem_path : Path or None
        A GeoTIFF of elevation in metres.
    is_demo : bool
        True while any layer shown is from the bundled 示意数据.
    """

    boundary: gpd.GeoDataFrame | None = None
    parks: gpd.GeoDataFrame | None = None
    corridor_axis: gpd.GeoDataFrame | None = None
    parcels: gpd.GeoDataFrame | None = None
    enterprises: gpd.GeoDataFrame | None = None
    constraints: gpd.GeoDataFrame | None = None
    dem_path: Path | None = None
    is_demo: bool = False

    def with_layer(
        self, kind: str, gdf: gpd.GeoDataFrame, *, is_demo: bool | None = None
    ) -> LayerSet:
        """Return a new set with layer ``kind`` replaced by a validated copy of ``gdf``."""
        if kind not in LAYER_KINDS:
            raise InputError(f"未知的图层类型「{kind}」。", f"Unknown layer kind '{kind}'.")
        validated = validate_layer(kind, gdf)
        return replace(
            self, **{kind: validated}, is_demo=self.is_demo if is_demo is None else is_demo
        )

    def layer(self, kind: str) -> gpd.GeoDataFrame | None:
        return getattr(self, kind)

    def counts(self) -> dict[str, int]:
        """Feature count of every vector layer (0 where absent)."""
        return {k: (0 if getattr(self, k) is None else len(getattr(self, k))) for k in LAYER_KINDS}

    @cached_property
    def _fingerprints(self) -> dict[str, str]:
        return {k: layer_fingerprint(getattr(self, k)) for k in LAYER_KINDS}

    def fingerprint(self, *kinds: str) -> str:
        """A short content hash of the named layers (all when none named).

        The UI keys its caches on it, so a GeoJSON payload or an analysis result is built
        once per layer state rather than on every rerun.
        """
        kinds = kinds or LAYER_KINDS
        return "-".join(self._fingerprints[k] for k in kinds)

    @property
    def content_id(self) -> str:
        """16 hex digits naming the content of every layer (not the DEM): equal sets, equal id."""
        return hashlib.blake2b(self.fingerprint().encode(), digest_size=8).hexdigest()


def layer_fingerprint(gdf: gpd.GeoDataFrame | None) -> str:
    """Content hash of a layer: its attributes and geometries (WKB)."""
    if gdf is None:
        return "none"
    digest = hashlib.blake2b(digest_size=8)
    digest.update(",".join(map(str, gdf.columns)).encode())
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).astype(str)
    digest.update(pd.util.hash_pandas_object(attrs, index=False).to_numpy().tobytes())
    for wkb in gdf.geometry.to_wkb():
        digest.update(wkb or b"")
    return digest.hexdigest()


def load_layerset(gpkg: Path, dem: Path | None = None, *, is_demo: bool = False) -> LayerSet:
    """Read every known layer present in a GeoPackage and validate it."""
    if not Path(gpkg).exists():
        raise InputError(
            f"找不到数据文件 {gpkg}。", f"Data file {gpkg} not found.", source=str(gpkg)
        )
    present = {name for name, _ in pyogrio.list_layers(gpkg)}
    layers = {}
    for kind in LAYER_KINDS:
        if kind in present:
            layers[kind] = validate_layer(
                kind, gpd.read_file(gpkg, layer=kind), source=f"{gpkg.name}:{kind}"
            )
    return LayerSet(**layers, dem_path=dem if dem and Path(dem).exists() else None, is_demo=is_demo)


def save_layerset(layers: LayerSet, gpkg: Path) -> None:
    """Write every layer of ``layers`` to one GeoPackage, one table per kind, replacing
    ``gpkg`` in one step (a reader never sees half a file). The DEM is not copied."""
    gpkg = Path(gpkg)
    gpkg.parent.mkdir(parents=True, exist_ok=True)
    tmp = gpkg.with_name(f"{gpkg.stem}.{os.getpid()}.tmp.gpkg")
    tmp.unlink(missing_ok=True)
    try:
        for kind in LAYER_KINDS:
            gdf = layers.layer(kind)
            if gdf is not None:
                pyogrio.write_dataframe(gdf, tmp, layer=kind, driver="GPKG")
        os.replace(tmp, gpkg)
    finally:
        tmp.unlink(missing_ok=True)


def load_demo() -> LayerSet:
    """Load the bundled 坪山 demo dataset (示意数据: illustrative, not official)."""
    return load_layerset(DEMO_GPKG, DEMO_DEM, is_demo=True)
