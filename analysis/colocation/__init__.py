"""Where the industrial clusters sit and whether they sit together (集群分布与协同).

Five measures answer the industrial bureau's questions:

- :func:`park_guidance_fit` — does each park hold the clusters the plan guides there?
- :func:`location_quotients` — which clusters are over-represented in which park (LQ)?
- :func:`colocation_quotients` — which clusters have each other as nearest neighbours more
  often than random placement would give (global co-location quotient, Leslie & Kronenfeld
  2011), with permutation p-values?
- :func:`local_colocation` — which individual firms of cluster A are co-located with, or
  isolated from, cluster B (local CLQ, Wang, Hu, Wang & Li 2017)?
- :func:`anchor_proximity` — how many firms of an anchor's own cluster and of its supply
  chain lie within 1, 3, 5 km ("上下游就在身边")?

and the bureau's questions by firm name and year:

- :func:`off_guidance_firms` — which firms sit where the plan does not guide their cluster
  (inside a park or outside all of them), and which park guiding it is nearest?
- :func:`firms_around` — which firms lie within 1 / 3 / 5 km of a chosen firm, and which of
  them are its own cluster or its suppliers?
- :func:`findings` — what the tables found, in short Chinese and English sentences, with
  one significance rule (:func:`is_significant`);
- :func:`match_firms`, :func:`cluster_park_change`, :func:`fit_change` — which firms are
  new, closed or moved between two years' lists, and how counts, 产值, LQ and guidance fit
  changed per cluster and park.

The park guidance and the supply-chain links come from ``data/standards/park_guidance.yaml``
(:func:`analysis.standards.load_park_guidance`), the single place they are written down.

All distances are computed in EPSG:4547 (metres) with :class:`scipy.spatial.cKDTree`.
The k-nearest-neighbour structure is computed once per call and reused across all
permutations: a permutation relabels the points, it never re-queries the tree.

Neighbour sets and ties
-----------------------
The neighbours of point *i* are the *k* nearest other points, and every further point at
the same distance as the *k*-th one (ties at the *k*-th distance are all included, so
``v_i ≥ k``). Distances within ``1e-9 × d + 1e-9 m`` of the *k*-th distance ``d`` count as
tied, so that exact duplicates and symmetric layouts are treated alike whatever the
floating-point rounding. Point *i* itself is never its own neighbour, even when other
points share its location. In the global CLQ each of the ``v_i`` neighbours carries weight
``1 / v_i`` (Leslie & Kronenfeld's convention); in the local CLQ the same neighbour set
carries Gaussian weights.

Permutation p-values
--------------------
Both quotients give two one-sided pseudo p-values from ``permutations`` random relabellings
drawn from ``numpy.random.default_rng(seed)``:

- ``p_upper = (#{permuted ≥ observed} + 1) / (permutations + 1)`` — evidence of
  co-location (more B around A than chance);
- ``p_lower = (#{permuted ≤ observed} + 1) / (permutations + 1)`` — evidence of isolation;
- ``p_value`` is the tail in the direction of the observed departure from 1 (``p_upper``
  where the quotient is ≥ 1, ``p_lower`` where it is < 1), as ArcGIS Pro's Colocation
  Analysis reports it, and ``colocation_type`` is ``colocated`` (quotient > 1 and
  ``p_upper < alpha``), ``isolated`` (quotient < 1 and ``p_lower < alpha``) or
  ``not_significant``.

Comparisons treat values within ``1e-9`` (relative) as equal, so a relabelling that
reproduces the observed arrangement counts in both tails.

The global test relabels all points: permutation *p* uses the labels
``labels[rng.permutation(n)]``. The local test is conditional: point *i* keeps its label
and the other ``n − 1`` labels are shuffled over the other locations. Only whether each
neighbour is of category B matters, so for each permutation one array
``u = rng.random((n_A, v_max))`` is drawn (``v_max`` the largest neighbour count among the
A points) and the neighbours of *i*, taken nearest first, are made B one by one while
``u[i, t] < (B labels left in the pool) / (n − 1 − t)`` — an exact draw without
replacement from the pool of the other labels, at a cost of ``v_i`` numbers per point.
"""

from analysis.colocation._common import COLOCATED, ISOLATED, NOT_SIGNIFICANT
from analysis.colocation._findings import change_findings, findings, is_significant
from analysis.colocation._nearby import (
    OTHER_ROLE,
    SAME_CLUSTER,
    SUPPLIER,
    firms_around,
    off_guidance_firms,
    off_guidance_totals,
)
from analysis.colocation._placement import anchor_proximity, location_quotients, park_guidance_fit
from analysis.colocation._quotients import clq_matrix, colocation_quotients, local_colocation
from analysis.colocation._yearly import (
    CLOSED,
    MOVED,
    NEW,
    STAYED,
    cluster_park_change,
    fit_change,
    match_firms,
)

__all__ = [
    "CLOSED",
    "COLOCATED",
    "ISOLATED",
    "MOVED",
    "NEW",
    "NOT_SIGNIFICANT",
    "OTHER_ROLE",
    "SAME_CLUSTER",
    "STAYED",
    "SUPPLIER",
    "anchor_proximity",
    "change_findings",
    "clq_matrix",
    "cluster_park_change",
    "colocation_quotients",
    "findings",
    "firms_around",
    "fit_change",
    "is_significant",
    "local_colocation",
    "location_quotients",
    "match_firms",
    "off_guidance_firms",
    "off_guidance_totals",
    "park_guidance_fit",
]
