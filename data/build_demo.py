"""Build the bundled 坪山 demo dataset (示意数据 — illustrative, not official).

Run from the repository root::

    python data/build_demo.py            # writes data/demo/
    python data/build_demo.py --out DIR  # writes elsewhere (the tests do this)

Everything is drawn here from a fixed seed, so the output is the same on every run:

* a simplified outline of 坪山区 and its 街道, drawn by hand as a few dozen vertices;
* the three parks (金沙-碧湖, 高新北, 高新南) and the 坪山大道-丹梓大道 belt (500 m each side
  of its axis), placed as the district plan describes them;
* a road grid (trunk roads 40–60 m, branch roads 15–20 m) cutting the parks, the belt and
  two more plan areas into blocks, and the blocks into 0.3–15 ha parcels;
* the three land pockets the plan wants released — 碧岭北 ≈ 1 km², 龙田北 ≈ 1.4 km²,
  高新南 ≈ 2.1 km² — made of low-efficiency and reserve parcels framed by trunk roads;
* enterprises: the anchor firms named in the plan placed near where they are, and
  synthetic small firms whose clusters lean towards each park's guidance, clumped around
  the anchors their supply chains serve;
* the enterprise list of the year before (``enterprises_2024``; new, closed, moved and
  renamed firms, 产值 a year earlier) from ``data/build_demo_years.py``;
* constraints: the eco line over 马峦山, 工业区块线 tiers 1 and 2, the trunk roads and 坪山河;
* a 30 m DEM in EPSG:4547 with 马峦山 in the south and plains in the industrial areas.

Every layer carries ``source = "示意数据"``. Names of small firms are generic.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.ops import polygonize, unary_union

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from analysis.standards import load_park_guidance  # noqa: E402
from data.build_demo_years import EARLIER_LAYER, two_years  # noqa: E402
from geo.crs import METRIC_CRS, WGS84  # noqa: E402
from layers.catalog import DEMO_DEM, DEMO_GPKG, DEMO_SOURCE  # noqa: E402
from layers.schema import CLUSTER  # noqa: E402

SEED = 20260315
GPKG_NAME = DEMO_GPKG.name
DEM_NAME = DEMO_DEM.name

_TO_M = Transformer.from_crs(WGS84, METRIC_CRS, always_xy=True)
_TO_DEG = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)

# Simplified outline of the district (lon, lat), drawn clockwise from the south-west.
OUTLINE_LONLAT = [
    (114.265, 22.656),
    (114.262, 22.666),
    (114.270, 22.676),
    (114.285, 22.680),
    (114.298, 22.689),
    (114.312, 22.689),
    (114.318, 22.692),
    (114.316, 22.705),
    (114.323, 22.707),
    (114.324, 22.713),
    (114.343, 22.717),
    (114.341, 22.729),
    (114.336, 22.730),
    (114.333, 22.750),
    (114.344, 22.770),
    (114.354, 22.766),
    (114.363, 22.768),
    (114.384, 22.760),
    (114.390, 22.763),
    (114.391, 22.779),
    (114.400, 22.784),
    (114.407, 22.780),
    (114.417, 22.763),
    (114.409, 22.755),
    (114.409, 22.739),
    (114.399, 22.728),
    (114.403, 22.715),
    (114.416, 22.716),
    (114.421, 22.703),
    (114.436, 22.700),
    (114.440, 22.692),
    (114.435, 22.684),
    (114.423, 22.679),
    (114.426, 22.668),
    (114.421, 22.661),
    (114.398, 22.651),
    (114.385, 22.645),
    (114.383, 22.640),
    (114.371, 22.646),
    (114.367, 22.642),
    (114.369, 22.635),
    (114.362, 22.634),
    (114.360, 22.626),
    (114.347, 22.631),
    (114.339, 22.634),
    (114.333, 22.627),
    (114.310, 22.627),
    (114.300, 22.632),
    (114.292, 22.622),
    (114.284, 22.624),
    (114.286, 22.634),
    (114.280, 22.644),
]

# Lines between the 街道 (lon, lat); they run a little past the outline so that they cut it.
STREET_DIVIDES = [
    # 碧岭 | 坪山, then 碧岭 | 马峦
    [
        (114.313, 22.697),
        (114.319, 22.690),
        (114.326, 22.681),
        (114.333, 22.663),
        (114.320, 22.656),
        (114.306, 22.641),
        (114.298, 22.618),
    ],
    # 坪山 | 马峦, then 马峦 | 石井 via the 大工业区 corner
    [
        (114.326, 22.681),
        (114.336, 22.689),
        (114.349, 22.689),
        (114.357, 22.684),
        (114.368, 22.686),
        (114.378, 22.689),
    ],
    # 石井 | 马峦
    [
        (114.368, 22.686),
        (114.373, 22.677),
        (114.381, 22.671),
        (114.379, 22.658),
        (114.370, 22.645),
        (114.364, 22.628),
    ],
    # 石井 | 大工业区
    [(114.378, 22.689), (114.386, 22.681), (114.395, 22.685), (114.410, 22.690), (114.446, 22.697)],
    # 坪山 | 大工业区
    [(114.343, 22.717), (114.347, 22.703), (114.356, 22.698), (114.359, 22.690), (114.357, 22.684)],
    # 龙田 | 大工业区, then 坑梓 | 大工业区
    [
        (114.343, 22.717),
        (114.352, 22.721),
        (114.368, 22.730),
        (114.390, 22.744),
        (114.413, 22.758),
        (114.425, 22.764),
    ],
    # 龙田 | 坑梓
    [(114.368, 22.730), (114.371, 22.747), (114.380, 22.755), (114.384, 22.760), (114.386, 22.770)],
]

STREET_SEEDS = {
    "碧岭街道": (114.290, 22.657),
    "坑梓街道": (114.398, 22.762),
    "龙田街道": (114.350, 22.745),
    "马峦街道": (114.350, 22.650),
    "坪山街道": (114.335, 22.700),
    "深圳市大工业区": (114.385, 22.720),
    "石井街道": (114.410, 22.672),
}

PARKS = [
    (
        "jinsha_bihu",
        "金沙-碧湖先进制造园区",
        "park",
        [
            (114.357, 22.745),
            (114.401, 22.745),
            (114.404, 22.770),
            (114.386, 22.759),
            (114.363, 22.767),
            (114.356, 22.757),
        ],
    ),
    (
        "gaoxin_north",
        "高新北先进制造园区",
        "park",
        [(114.358, 22.716), (114.401, 22.716), (114.401, 22.744), (114.358, 22.744)],
    ),
    (
        "gaoxin_south",
        "高新南先进制造园区",
        "park",
        [(114.379, 22.686), (114.431, 22.686), (114.432, 22.709), (114.381, 22.711)],
    ),
]
CORRIDOR_ID = "corridor"
CORRIDOR_NAME = "坪山大道-丹梓大道产业带"
CORRIDOR_HALF_WIDTH_M = 500.0
# Axis of the belt: 坪山大道 west–east through the centre, 丹梓大道 north-east to 坑梓.
PINGSHAN_AVENUE = [(114.300, 22.686), (114.318, 22.693), (114.334, 22.698), (114.352, 22.704)]
DANZI_AVENUE = [
    (114.352, 22.704),
    (114.368, 22.716),
    (114.386, 22.733),
    (114.398, 22.745),
    (114.412, 22.758),
]

# The plan's pockets: centre (lon, lat), target parcel area (m²), park. The targets sit just
# above the plan's round figures so that "≈ 1 km²" reads as km-scale (≥ 100 ha).
POCKETS = [
    ("biling_north", "碧岭北", (114.2915, 22.6725), 1.02e6, None),
    ("longtian_north", "龙田北", (114.3445, 22.7545), 1.42e6, None),
    ("gaoxin_south_pocket", "高新南", (114.405, 22.6965), 2.12e6, "gaoxin_south"),
]

# 坪山河 from the 马峦 hills north-east through the centre towards 坑梓 (lon, lat).
PINGSHAN_RIVER = [
    (114.318, 22.664),
    (114.328, 22.680),
    (114.340, 22.690),
    (114.356, 22.693),
    (114.372, 22.701),
    (114.392, 22.712),
    (114.405, 22.728),
    (114.416, 22.742),
]

GRID_ANGLE_DEG = 28.0  # the local road grid runs north-east, like 丹梓大道
TRUNK_SPACING_M = (800.0, 1100.0)
TRUNK_WIDTH_M = (40.0, 60.0)
BRANCH_SPACING_M = (150.0, 260.0)
BRANCH_WIDTH_M = (15.0, 20.0)
MIN_PARCEL_M2 = 3_000.0
MAX_PARCEL_M2 = 150_000.0

# Each park's guided clusters come from the standards table the analyses use
# (data/standards/park_guidance.yaml); small firms outside the parks lean to these instead.
OUTSIDE_PARKS_CLUSTERS = ["traditional", "equipment", "other"]
ALL_CLUSTERS = list(CLUSTER.codes)

# Named firms of the plan, placed approximately (lon, lat), with cluster and sub-type.
ANCHORS = [
    ("比亚迪 (全球总部与研发中心)", "car", "vehicle_assembly", (114.372, 22.724), 12_000_000),
    ("荣耀智能制造产业园", "ai", "assembly", (114.418, 22.707), 4_000_000),
    ("中芯国际深圳", "chip", "fab", (114.387, 22.700), 2_500_000),
    ("赛诺菲巴斯德", "pharma", "vaccine", (114.372, 22.756), 600_000),
    ("复星医药", "pharma", "drug", (114.381, 22.752), 450_000),
    ("新产业生物", "pharma", "diagnostics", (114.366, 22.760), 400_000),
    ("理邦仪器", "pharma", "medical_device", (114.391, 22.750), 200_000),
    ("海普瑞", "pharma", "drug", (114.377, 22.748), 600_000),
    ("普瑞金", "cellgene", "cell_therapy", (114.353, 22.708), 50_000),
    ("共进电子", "ai", "assembly", (114.395, 22.736), 900_000),
    ("光弘科技", "ai", "assembly", (114.425, 22.700), 500_000),
    ("亿道信息", "ai", "design", (114.345, 22.702), 300_000),
    ("鸿合科技", "ai", "assembly", (114.336, 22.697), 350_000),
    ("捷佳伟创", "energy", "equipment", (114.423, 22.690), 800_000),
    ("拉普拉斯", "energy", "equipment", (114.417, 22.688), 500_000),
    ("耀石锂电", "energy", "battery", (114.428, 22.704), 150_000),
    ("京鼎精密", "equipment", "moulds", (114.385, 22.730), 250_000),
    ("昂纳科技", "photonics", "optical_modules", (114.330, 22.695), 300_000),
    ("麦捷微电子", "chip", "packaging", (114.392, 22.707), 280_000),
    ("村田", "chip", "packaging", (114.383, 22.691), 600_000),
    ("盛波光电", "chip", "display_materials", (114.395, 22.753), 250_000),
    ("富满微", "chip", "design", (114.390, 22.692), 80_000),
    ("青铜剑", "ai", "power_electronics", (114.356, 22.709), 120_000),
]

# Which small-firm clusters gather around each anchor cluster (their supply chain).
SUPPLIERS = {
    "car": ["equipment", "energy", "car", "chip"],
    "chip": ["chip", "photonics", "equipment"],
    "ai": ["ai", "chip", "photonics"],
    "pharma": ["pharma", "cellgene"],
    "energy": ["energy", "equipment"],
}

NAME_WORDS = {
    "car": ["汽车电子", "车载部件", "动力总成", "智能座舱", "汽车线束"],
    "pharma": ["生物科技", "医疗器械", "制药", "体外诊断", "生物材料"],
    "chip": ["微电子", "半导体", "芯片封测", "集成电路设计", "功率器件"],
    "ai": ["智能终端", "智能硬件", "机器人", "电子科技", "物联网"],
    "energy": ["储能技术", "新能源材料", "光伏设备", "锂电科技", "氢能"],
    "equipment": ["精密模具", "精密机械", "自动化设备", "数控装备", "精密零部件"],
    "photonics": ["光电科技", "光通信", "激光技术"],
    "lowalt": ["无人机", "低空科技", "航空电子"],
    "cellgene": ["细胞科技", "基因技术", "生物治疗"],
    "traditional": ["家具制造", "五金制品", "包装印刷", "塑胶制品"],
    "other": ["实业", "工贸", "技术服务"],
}
SUB_TYPES = {
    "car": (["parts", "electronics"], [0.8, 0.2]),
    "chip": (["design", "packaging", "equipment_materials"], [0.45, 0.35, 0.2]),
    "pharma": (["drug", "medical_device", "diagnostics"], [0.4, 0.4, 0.2]),
    "ai": (["assembly", "design"], [0.6, 0.4]),
}


# --------------------------------------------------------------------------- geometry utils


def to_metric(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(_TO_M.transform(xy[:, 0], xy[:, 1])))


def to_degrees(geom):
    return shapely.transform(
        geom, lambda xy: np.column_stack(_TO_DEG.transform(xy[:, 0], xy[:, 1]))
    )


def metric_point(lon: float, lat: float) -> Point:
    return Point(*_TO_M.transform(lon, lat))


def metric_line(lonlat) -> LineString:
    return to_metric(LineString(lonlat))


def metric_polygon(lonlat) -> Polygon:
    return to_metric(Polygon(lonlat))


def extend_line(line: LineString, by_m: float) -> LineString:
    """Lengthen a line at both ends so that it crosses the outline cleanly."""
    coords = np.asarray(line.coords)
    start_dir = coords[0] - coords[1]
    end_dir = coords[-1] - coords[-2]
    start = coords[0] + start_dir / np.linalg.norm(start_dir) * by_m
    end = coords[-1] + end_dir / np.linalg.norm(end_dir) * by_m
    return LineString(np.vstack([start, coords, end]))


def road(line: LineString, width_m: float):
    return line.buffer(width_m / 2.0, cap_style="flat", join_style="mitre")


# --------------------------------------------------------------------------- layers


def build_boundary():
    outline = metric_polygon(OUTLINE_LONLAT)
    cuts = [outline.exterior] + [extend_line(metric_line(line), 150.0) for line in STREET_DIVIDES]
    pieces = [
        p for p in polygonize(unary_union(cuts)) if outline.contains(p.representative_point())
    ]
    seeds = {name: metric_point(*ll) for name, ll in STREET_SEEDS.items()}
    named = []
    for piece in pieces:
        inside = [n for n, s in seeds.items() if piece.contains(s)]
        name = inside[0] if inside else min(seeds, key=lambda n: piece.distance(seeds[n]))
        named.append((name, piece))
    streets = gpd.GeoDataFrame(
        {"name": [n for n, _ in named]}, geometry=[g for _, g in named], crs=METRIC_CRS
    ).dissolve(by="name", as_index=False)
    streets["level"] = "street"
    district = gpd.GeoDataFrame(
        {"name": ["坪山区"], "level": ["district"]}, geometry=[outline], crs=METRIC_CRS
    )
    boundary = pd.concat([district, streets], ignore_index=True)
    return outline, gpd.GeoDataFrame(boundary, geometry="geometry", crs=METRIC_CRS)


def build_parks(outline):
    inner = outline.buffer(-60.0)
    rows = [
        (pid, name, kind, metric_polygon(ll).intersection(inner)) for pid, name, kind, ll in PARKS
    ]
    axis = unary_union([metric_line(PINGSHAN_AVENUE), metric_line(DANZI_AVENUE)])
    corridor = axis.buffer(CORRIDOR_HALF_WIDTH_M, cap_style="flat").intersection(inner)
    rows.append((CORRIDOR_ID, CORRIDOR_NAME, "corridor", corridor))
    parks = gpd.GeoDataFrame(
        {
            "park_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
        },
        geometry=[r[3] for r in rows],
        crs=METRIC_CRS,
    )
    axis_gdf = gpd.GeoDataFrame(
        {"name": ["坪山大道", "丹梓大道"]},
        geometry=[metric_line(PINGSHAN_AVENUE), metric_line(DANZI_AVENUE)],
        crs=METRIC_CRS,
    )
    return parks, axis_gdf


def _grid_positions(rng, lo, hi, spacing, width):
    """Offsets and widths of parallel roads from ``lo`` to ``hi`` (metres, local frame)."""
    positions, widths = [], []
    pos = lo
    while pos < hi:
        positions.append(pos)
        widths.append(rng.uniform(*width))
        pos += rng.uniform(*spacing)
    return np.array(positions), np.array(widths)


def _cells(roads_x, roads_y, bounds):
    """Rectangles between consecutive roads in both directions (local frame)."""
    minx, miny, maxx, maxy = bounds

    def intervals(roads, lo, hi):
        pos, wid = roads
        order = np.argsort(pos)
        pos, wid = pos[order], wid[order]
        starts = np.concatenate([[lo], pos + wid / 2])
        ends = np.concatenate([pos - wid / 2, [hi]])
        keep = ends - starts > 20.0
        return starts[keep], ends[keep]

    x0, x1 = intervals(roads_x, minx, maxx)
    y0, y1 = intervals(roads_y, miny, maxy)
    gx0, gy0 = np.meshgrid(x0, y0)
    gx1, gy1 = np.meshgrid(x1, y1)
    return shapely.box(gx0.ravel(), gy0.ravel(), gx1.ravel(), gy1.ravel())


def pocket_frame(center_lonlat, target_m2, angle_deg):
    """A rotated square region whose parcels sum to about ``target_m2`` once roads are cut."""
    # Branch roads take ≈ 10 % of the frame; the outline may clip it, handled by the caller.
    side = np.sqrt(target_m2 / 0.90)
    c = metric_point(*center_lonlat)
    square = box(c.x - side / 2, c.y - side / 2, c.x + side / 2, c.y + side / 2)
    return affinity.rotate(square, angle_deg, origin=c)


def build_roads_and_blocks(rng, outline, parks, pocket_scale):
    """Cut the parks, the belt and the pockets into blocks along a rotated road grid.

    The grid is laid out in a local frame rotated by GRID_ANGLE_DEG, where roads are axis
    parallel and blocks are simply the rectangles between them; that keeps the generator
    fast (no union of thousands of road buffers).
    """
    inner = outline.buffer(-60.0)
    pockets = []
    for key, name, center, target, park in POCKETS:
        frame = pocket_frame(center, target * pocket_scale[key], GRID_ANGLE_DEG).intersection(inner)
        pockets.append((key, name, park, frame))
    pocket_union = unary_union([p[3] for p in pockets])
    zones = unary_union([*parks.geometry, pocket_union]).intersection(inner)

    origin = metric_point(114.36, 22.71)

    def local(g):
        return affinity.rotate(g, -GRID_ANGLE_DEG, origin=origin)

    def world(g):
        return affinity.rotate(g, GRID_ANGLE_DEG, origin=origin)

    zl = local(zones)
    minx, miny, maxx, maxy = zl.bounds
    trunk_x = _grid_positions(rng, minx + 300, maxx, TRUNK_SPACING_M, TRUNK_WIDTH_M)
    trunk_y = _grid_positions(rng, miny + 300, maxy, TRUNK_SPACING_M, TRUNK_WIDTH_M)
    branch_x = _grid_positions(rng, minx + 100, maxx, BRANCH_SPACING_M, BRANCH_WIDTH_M)
    branch_y = _grid_positions(rng, miny + 100, maxy, BRANCH_SPACING_M, BRANCH_WIDTH_M)

    def merged(trunk, branch):
        # A branch road close to a trunk road would leave a sliver: drop it.
        far = np.min(np.abs(branch[0][:, None] - trunk[0][None, :]), axis=1) > 60.0
        return (
            np.concatenate([trunk[0], branch[0][far]]),
            np.concatenate([trunk[1], branch[1][far]]),
        )

    full_cells = _cells(merged(trunk_x, branch_x), merged(trunk_y, branch_y), zl.bounds)
    branch_cells = _cells(branch_x, branch_y, zl.bounds)

    # Pockets are framed by trunk roads of their own and keep only branch roads inside,
    # so each one forms a single block of contiguous land.
    pl = local(pocket_union)
    outside = shapely.intersection(full_cells, zl.difference(pl.buffer(25.0)))
    inside = shapely.intersection(branch_cells, pl.buffer(-25.0))
    blocks_local = np.concatenate([outside, inside])

    axis = [metric_line(PINGSHAN_AVENUE), metric_line(DANZI_AVENUE)]
    river_line = metric_line(PINGSHAN_RIVER)
    river = road(river_line, 30.0).intersection(outline)
    frame_roads = [road(p[3].exterior, 50.0) for p in pockets]
    odd_cuts = local(unary_union([*(road(a, 60.0) for a in axis), river, *frame_roads]))
    blocks_local = shapely.difference(blocks_local, odd_cuts)
    block_geoms = [
        world(g)
        for b in blocks_local
        for g in shapely.get_parts(b)
        if g.geom_type == "Polygon" and g.area >= MIN_PARCEL_M2
    ]

    span = max(maxx - minx, maxy - miny)
    trunk_boxes = [
        shapely.box(x - w / 2, miny - span, x + w / 2, maxy + span)
        for x, w in zip(*trunk_x, strict=True)
    ]
    trunk_boxes += [
        shapely.box(minx - span, y - w / 2, maxx + span, y + w / 2)
        for y, w in zip(*trunk_y, strict=True)
    ]
    grid_trunk = world(unary_union(trunk_boxes)).difference(pocket_union.buffer(-30.0))
    trunk = unary_union([grid_trunk, *(road(a, 60.0) for a in axis), *frame_roads])
    # Trunk roads are drawn where the industrial land is, not across the hills.
    trunk_clipped = trunk.intersection(outline.buffer(-10.0)).intersection(zones.buffer(700.0))
    return block_geoms, pockets, trunk_clipped, river, river_line


def largest_valid_part(geom):
    """The geometry itself when valid, else the largest polygon of its repaired form."""
    if geom.is_valid:
        return geom
    return max(
        shapely.get_parts(shapely.make_valid(geom)),
        key=lambda p: p.area if p.geom_type == "Polygon" else -1,
    )


def split_block(rng, block, angle_deg):
    """Cut a block into 1–4 parcels along the grid directions (parcels touch, no gap)."""
    c = block.centroid
    local = affinity.rotate(block, -angle_deg, origin=c)
    minx, miny, maxx, maxy = local.bounds
    w, h = maxx - minx, maxy - miny
    area = block.area
    n = 1 if area < 15_000 else int(rng.choice([1, 2, 2, 3, 4], p=[0.15, 0.3, 0.2, 0.2, 0.15]))
    if area > 2 * MAX_PARCEL_M2:
        n = max(n, int(np.ceil(area / MAX_PARCEL_M2)))
    rects = [box(minx, miny, maxx, maxy)]
    for _ in range(n - 1):
        rects.sort(key=lambda r: -r.area)
        r = rects.pop(0)
        rx0, ry0, rx1, ry1 = r.bounds
        f = rng.uniform(0.35, 0.65)
        if (rx1 - rx0) >= (ry1 - ry0):
            x = rx0 + f * (rx1 - rx0)
            rects += [box(rx0, ry0, x, ry1), box(x, ry0, rx1, ry1)]
        else:
            y = ry0 + f * (ry1 - ry0)
            rects += [box(rx0, ry0, rx1, y), box(rx0, y, rx1, ry1)]
    del w, h
    parts = []
    for r in rects:
        piece = local.intersection(r)
        for g in shapely.get_parts(piece):
            if g.geom_type == "Polygon" and g.area >= MIN_PARCEL_M2:
                parts.append(affinity.rotate(g, angle_deg, origin=c))
    return parts


STATUS_WEIGHTS = {
    "built": 0.52,
    "under_construction": 0.07,
    "granted_unbuilt": 0.07,
    "available": 0.08,
    "reserve": 0.05,
    "low_efficiency": 0.12,
    "non_industrial": 0.09,
}


def assign_parcels(rng, parcels_geom, parks, pockets):
    n = len(parcels_geom)
    geoms = np.array(parcels_geom, dtype=object)
    reps = shapely.point_on_surface(geoms)
    park_id = np.array([None] * n, dtype=object)
    # Parks win over the belt where they overlap: the park is the planning unit there.
    for pid in [CORRIDOR_ID] + [p[0] for p in PARKS]:
        zone = parks.loc[parks.park_id == pid, "geometry"].iloc[0]
        park_id[shapely.contains(zone, reps)] = pid
    pocket_of = np.array([None] * n, dtype=object)
    for key, _name, park, frame in pockets:
        inside = shapely.contains(frame, reps)
        pocket_of[inside] = key
        if park is not None:
            park_id[inside] = park

    status = rng.choice(list(STATUS_WEIGHTS), size=n, p=list(STATUS_WEIGHTS.values())).astype(
        object
    )
    in_pocket = pocket_of != None  # noqa: E711 — elementwise test on an object array
    status[in_pocket] = rng.choice(
        ["low_efficiency", "reserve"], size=in_pocket.sum(), p=[0.7, 0.3]
    )
    # Outside the pockets, keep the land that would be released scattered, as it is today:
    # an outside parcel touching a pocket is built.
    pocket_zone = unary_union([p[3] for p in pockets]).buffer(120.0)
    near_pocket = shapely.intersects(pocket_zone, geoms) & ~in_pocket
    status[near_pocket] = "built"

    land_use = rng.choice(["M1", "M0", "W"], size=n, p=[0.66, 0.24, 0.10]).astype(object)
    corridor = park_id == CORRIDOR_ID
    land_use[corridor] = rng.choice(["M1", "M0", "W"], size=corridor.sum(), p=[0.35, 0.6, 0.05])
    land_use[status == "non_industrial"] = "other"
    land_use[in_pocket] = rng.choice(["M1", "M0"], size=in_pocket.sum(), p=[0.85, 0.15])

    density = np.full(n, 3)
    density[corridor] = 2
    density[park_id == None] = 4  # noqa: E711
    density[in_pocket] = 3
    density[(park_id == "gaoxin_south") & ~in_pocket] = 2

    area = shapely.area(geoms)
    far = np.zeros(n)
    built = status == "built"
    base_far = {"M1": (1.0, 2.6), "M0": (2.0, 4.5), "W": (0.8, 1.6), "other": (1.5, 3.5)}
    for lu, (lo, hi) in base_far.items():
        mask = built & (land_use == lu)
        far[mask] = rng.uniform(lo, hi, mask.sum())
    low = status == "low_efficiency"
    far[low] = rng.uniform(0.4, 1.2, low.sum())
    non_ind = status == "non_industrial"
    far[non_ind] = rng.uniform(1.5, 3.5, non_ind.sum())
    far = np.round(far, 2)

    ids = np.array([f"PS{i + 1:05d}" for i in range(n)])
    names = np.array([None] * n, dtype=object)
    pocket_names = {p[0]: p[1] for p in pockets}
    for key, label in pocket_names.items():
        idx = np.flatnonzero(pocket_of == key)
        names[idx] = [f"{label}整备片区-{j + 1:03d}" for j in range(len(idx))]
    return gpd.GeoDataFrame(
        {
            "parcel_id": ids,
            "park_id": park_id,
            "status": status,
            "land_use": land_use,
            "area_m2": np.round(area, 1),
            "far_current": far,
            "gfa_current_m2": np.round(far * area, 1),
            "density_zone": density.astype(int),
            "name": names,
            "highrise": False,
            "far_target": np.nan,
            "pocket": pocket_of,
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )


def random_points_in(rng, polygons, counts):
    """Uniform random points in each polygon (rejection sampling on its bounds)."""
    out = []
    for poly, k in zip(polygons, counts, strict=True):
        got = []
        minx, miny, maxx, maxy = poly.bounds
        while len(got) < k:
            xs = rng.uniform(minx, maxx, 4 * k + 4)
            ys = rng.uniform(miny, maxy, 4 * k + 4)
            inside = shapely.contains_xy(poly, xs, ys)
            got += list(zip(xs[inside], ys[inside], strict=True))
        out += got[:k]
    return out


def build_enterprises(rng, parcels, parks, n_firms=1100):
    host = parcels[
        parcels.status.isin(["built", "under_construction", "low_efficiency"])
        & (parcels.land_use != "other")
    ].reset_index(drop=True)
    host_reps = shapely.point_on_surface(host.geometry.values)
    hx, hy = shapely.get_x(host_reps), shapely.get_y(host_reps)

    anchors = []
    for i, (name, cluster, sub, (lon, lat), output) in enumerate(ANCHORS):
        p = metric_point(lon, lat)
        j = int(np.argmin(np.hypot(hx - p.x, hy - p.y)))
        anchors.append(
            {
                "ent_id": f"A{i + 1:03d}",
                "name": name,
                "cluster": cluster,
                "sub_type": sub,
                "is_above_scale": True,
                "output_10k_cny": float(output),
                "is_anchor": True,
                "park_id": host.park_id.iloc[j],
                "x": hx[j],
                "y": hy[j],
                "host": j,
            }
        )

    guidance = load_park_guidance()
    rows = []
    n_sme = n_firms - len(anchors)
    # 40 % of small firms gather within ≈ 1.5 km of an anchor in its supply chain; the rest
    # spread over the parks with clusters weighted towards each park's guidance.
    n_chain = int(0.4 * n_sme)
    anchor_w = np.array([np.log10(a["output_10k_cny"]) for a in anchors])
    anchor_pick = rng.choice(len(anchors), size=n_chain, p=anchor_w / anchor_w.sum())
    for a_idx in anchor_pick:
        a = anchors[a_idx]
        chain = SUPPLIERS.get(a["cluster"], [a["cluster"]])
        cluster = chain[int(rng.integers(len(chain)))]
        d = np.hypot(hx - a["x"], hy - a["y"])
        near = np.flatnonzero((d < 1500.0) & (d > 0))
        j = int(rng.choice(near)) if len(near) else a["host"]
        rows.append((cluster, j))
    for _ in range(n_sme - n_chain):
        j = int(rng.integers(len(host)))
        pid = host.park_id.iloc[j]
        guided = OUTSIDE_PARKS_CLUSTERS if pd.isna(pid) else list(guidance.guided(pid))
        if rng.random() < 0.62:
            cluster = guided[int(rng.integers(len(guided)))]
        else:
            cluster = ALL_CLUSTERS[int(rng.integers(len(ALL_CLUSTERS)))]
        rows.append((cluster, j))

    host_idx = np.array([j for _, j in rows])
    counts = np.bincount(host_idx, minlength=len(host))
    pts_by_host = {}
    sampled = random_points_in(rng, host.geometry.values[counts > 0], counts[counts > 0])
    pos = 0
    for j in np.flatnonzero(counts > 0):
        pts_by_host[j] = sampled[pos : pos + counts[j]]
        pos += counts[j]
    used = dict.fromkeys(pts_by_host, 0)

    smes = []
    for k, (cluster, j) in enumerate(rows):
        x, y = pts_by_host[j][used[j]]
        used[j] += 1
        words = NAME_WORDS[cluster]
        above = bool(rng.random() < 0.62)
        output = float(np.round(rng.lognormal(np.log(12_000 if above else 900), 0.9), 1))
        if above:
            output = max(output, 2_000.0)  # 规上: annual output of at least 2000万元
        sub = None
        if cluster in SUB_TYPES:
            options, probs = SUB_TYPES[cluster]
            sub = str(rng.choice(options, p=probs))
        smes.append(
            {
                "ent_id": f"E{k + 1:05d}",
                "name": f"深圳示意{words[int(rng.integers(len(words)))]}有限公司{k + 1:04d}",
                "cluster": cluster,
                "sub_type": sub,
                "is_above_scale": above,
                "output_10k_cny": output,
                "is_anchor": False,
                "park_id": host.park_id.iloc[j],
                "x": x,
                "y": y,
            }
        )
    frame = pd.DataFrame(anchors + smes).drop(columns=["host"])
    geom = shapely.points(frame.x.to_numpy(), frame.y.to_numpy())
    # A firm belongs to the park its address lies in (parks over the belt), not to the park
    # its parcel's centre happens to fall in.
    park_id = np.array([None] * len(frame), dtype=object)
    for pid in [CORRIDOR_ID] + [p[0] for p in PARKS]:
        zone = parks.loc[parks.park_id == pid, "geometry"].iloc[0]
        park_id[shapely.contains(zone, geom)] = pid
    frame["park_id"] = park_id
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=geom, crs=METRIC_CRS)


def build_constraints(outline, parks, pockets, trunk, river):
    # 马峦山 and the southern hills: everything south of a wavy line, inside the district.
    eco_north = metric_line(
        [
            (114.255, 22.652),
            (114.280, 22.660),
            (114.300, 22.652),
            (114.318, 22.660),
            (114.335, 22.657),
            (114.352, 22.664),
            (114.368, 22.662),
            (114.385, 22.660),
            (114.405, 22.664),
            (114.430, 22.665),
            (114.450, 22.668),
        ]
    )
    coords = list(eco_north.coords)
    south = to_metric(box(114.25, 22.60, 114.46, 22.60)).bounds[1]
    eco_area = Polygon([*coords, (coords[-1][0], south), (coords[0][0], south)])
    eco = eco_area.intersection(outline)
    rows = [("eco_line", "马峦山基本生态控制线", eco)]
    for _, park in parks.iterrows():
        tier = "block_line_2" if park.kind == "corridor" else "block_line_1"
        label = "二级" if tier == "block_line_2" else "一级"
        line = park.geometry.buffer(80.0).simplify(40.0).intersection(outline)
        rows.append((tier, f"{park['name']}工业区块线({label})", line))
    for _key, name, _park, frame in pockets:
        rows.append(
            (
                "block_line_2",
                f"{name}整备片区工业区块线(二级)",
                frame.buffer(60.0).intersection(outline),
            )
        )
    rows.append(("trunk_road", "主干道路网", trunk))
    rows.append(("water", "坪山河", river))
    return gpd.GeoDataFrame(
        {"kind": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[r[2] for r in rows],
        crs=METRIC_CRS,
    )


def build_dem(rng, outline, path: Path, cell_m: float = 30.0):
    import rasterio
    from affine import Affine
    from scipy.ndimage import gaussian_filter

    minx, miny, maxx, maxy = outline.buffer(1000.0).bounds
    minx, miny = np.floor(minx / cell_m) * cell_m, np.floor(miny / cell_m) * cell_m
    width = int(np.ceil((maxx - minx) / cell_m))
    height = int(np.ceil((maxy - miny) / cell_m))
    xs = minx + (np.arange(width) + 0.5) * cell_m
    ys = maxy - (np.arange(height) + 0.5) * cell_m
    gx, gy = np.meshgrid(xs, ys)

    def hill(lon, lat, peak_m, radius_m):
        c = metric_point(lon, lat)
        return peak_m * np.exp(-((gx - c.x) ** 2 + (gy - c.y) ** 2) / (2 * radius_m**2))

    hills = (
        hill(114.350, 22.633, 480.0, 1800.0)  # 马峦山
        + hill(114.325, 22.640, 300.0, 1500.0)
        + hill(114.385, 22.648, 320.0, 1600.0)
        + hill(114.282, 22.640, 220.0, 1300.0)  # hills south of 碧岭
        + hill(114.430, 22.672, 180.0, 1200.0)  # 石井 east
        + hill(114.338, 22.768, 140.0, 1100.0)  # 龙田 north edge
        + hill(114.405, 22.782, 160.0, 1000.0)  # 坑梓 north
    )
    # Fractal relief from smoothed noise at three scales (≈ 1.2 km, 450 m, 180 m).
    relief = np.zeros_like(gx)
    for sigma_cells, weight in ((40, 1.0), (15, 0.5), (6, 0.25)):
        field = gaussian_filter(rng.normal(size=gx.shape), sigma_cells)
        relief += weight * field / field.std()
    # Hills are rugged, plains gently undulating.
    ruggedness = np.clip(hills / 150.0, 0.0, 1.0)
    z = 25.0 + 0.002 * (gy - gy.min()) + hills + relief * (3.0 + 60.0 * ruggedness)
    z = np.round(np.clip(z, 5.0, None), 1).astype("float32")
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": METRIC_CRS,
        "transform": Affine(cell_m, 0.0, minx, 0.0, -cell_m, maxy),
        "compress": "deflate",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "nodata": -9999.0,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)
        dst.update_tags(source=DEMO_SOURCE, units="m")


def build(out_dir: Path) -> dict[str, int]:
    """Generate the whole dataset into ``out_dir``; returns feature counts per layer."""
    rng = np.random.default_rng(SEED)
    outline, boundary = build_boundary()
    parks, axis = build_parks(outline)

    # Size the pocket frames so their parcels sum to the planned areas (two refinements).
    scale = {p[0]: 1.0 for p in POCKETS}
    for _ in range(3):
        state = np.random.default_rng(SEED)
        blocks, pockets, trunk, river, _ = build_roads_and_blocks(state, outline, parks, scale)
        pocket_area = {}
        for key, _n, _p, frame in pockets:
            pocket_area[key] = sum(
                b.area for b in blocks if frame.contains(b.representative_point())
            )
        for key, _n, _c, target, _p in POCKETS:
            scale[key] *= target / max(pocket_area[key], 1.0)
    rng = np.random.default_rng(SEED)
    blocks, pockets, trunk, river, _ = build_roads_and_blocks(rng, outline, parks, scale)

    parcels_geom = []
    for b in blocks:
        parcels_geom += split_block(rng, b, GRID_ANGLE_DEG)
    parcels_geom = [g for g in map(largest_valid_part, parcels_geom) if g.area >= MIN_PARCEL_M2]
    parcels = assign_parcels(rng, parcels_geom, parks, pockets)
    enterprises = build_enterprises(rng, parcels, parks)
    # The year before is drawn from its own seed: the layers above and below stay as they are.
    enterprises, earlier = two_years(enterprises, parks, CORRIDOR_ID)
    constraints = build_constraints(outline, parks, pockets, trunk, river)

    layers = {
        "boundary": boundary,
        "parks": parks,
        "corridor_axis": axis,
        "parcels": parcels,
        "enterprises": enterprises,
        EARLIER_LAYER: earlier,
        "constraints": constraints,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    gpkg = out_dir / GPKG_NAME
    if gpkg.exists():
        gpkg.unlink()
    counts = {}
    for name, gdf in layers.items():
        gdf = gdf.copy()
        gdf["source"] = DEMO_SOURCE
        gdf = gdf.to_crs(WGS84)
        if name == "parcels":
            # A spike at the belt's axis junction can self-touch once in degrees.
            gdf.geometry = [largest_valid_part(g) for g in gdf.geometry]
        gdf.to_file(gpkg, layer=name, driver="GPKG", engine="pyogrio")
        counts[name] = len(gdf)
    build_dem(rng, outline, out_dir / DEM_NAME)
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEMO_GPKG.parent)
    args = parser.parse_args(argv)
    counts = build(args.out)
    for name, n in counts.items():
        print(f"{name:14s} {n:6d}")


if __name__ == "__main__":
    main()
