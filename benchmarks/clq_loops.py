"""Co-location quotients the plain way: double loops over points, the reference for tests.

The reference the vectorised :mod:`analysis.colocation` is checked against (tests) and timed
against (``benchmarks/colocation.py``). Written for clarity, not speed: every distance is
computed (O(n²)), neighbours are the k nearest plus every tie at the k-th distance, and the
permutations draw from ``numpy.random.default_rng(seed)`` in the same order as the
vectorised code, so p-values agree exactly.

- global CLQ A→B (Leslie & Kronenfeld 2011): each A point's neighbours weighted 1/v
  (v = its neighbour count with ties), the share of B among them over B's share of the
  other n − 1 points; p-values from total relabelling;
- local CLQ (Wang et al. 2017): an adaptive Gaussian kernel with the bandwidth at the k-th
  neighbour's distance; p-values from conditional permutation (the point itself fixed).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["loop_global", "loop_local", "loop_neighbours"]


def loop_neighbours(xy, k):
    """For each i: list of (distance, j), nearest first, k nearest plus ties, j ≠ i."""
    n = len(xy)
    out = []
    for i in range(n):
        cand = []
        for j in range(n):
            if j != i:
                cand.append((math.hypot(xy[j][0] - xy[i][0], xy[j][1] - xy[i][1]), j))
        cand.sort()
        kth = cand[k - 1][0]
        limit = kth * (1 + 1e-9) + 1e-9
        out.append([(d, j) for d, j in cand if d <= limit])
    return out


def loop_global(xy, labels, k, permutations, seed):
    labels = np.asarray(labels, dtype=object)
    n = len(labels)
    cats = sorted(set(labels))
    nbrs = loop_neighbours(xy, k)

    def clq(lab):
        count = {(a, b): 0.0 for a in cats for b in cats}
        for i in range(n):
            v = len(nbrs[i])
            for _, j in nbrs[i]:
                count[lab[i], lab[j]] += 1.0 / v
        size = {c: sum(1 for x in lab if x == c) for c in cats}
        return {
            (a, b): (count[a, b] / size[a]) / ((size[b] - (a == b)) / (n - 1))
            for a in cats
            for b in cats
        }

    observed = clq(labels)
    ge = dict.fromkeys(observed, 0)
    le = dict.fromkeys(observed, 0)
    rng = np.random.default_rng(seed)
    for _ in range(permutations):
        perm = clq(labels[rng.permutation(n)])
        for key, value in observed.items():
            tol = 1e-9 * max(1.0, abs(value))
            ge[key] += perm[key] >= value - tol
            le[key] += perm[key] <= value + tol
    p_upper = {key: (ge[key] + 1) / (permutations + 1) for key in observed}
    p_lower = {key: (le[key] + 1) / (permutations + 1) for key in observed}
    return observed, p_upper, p_lower


def loop_local(xy, labels, a, b, k, permutations, seed):
    labels = list(labels)
    n = len(labels)
    nbrs = loop_neighbours(xy, k)
    members = [i for i in range(n) if labels[i] == a]
    pool_b = sum(1 for x in labels if x == b) - (1 if a == b else 0)
    expected = pool_b / (n - 1)
    weights = {}
    observed = []
    for i in members:
        bw = nbrs[i][k - 1][0]
        w = [math.exp(-0.5 * d * d / (bw * bw)) if bw > 0 else 1.0 for d, _ in nbrs[i]]
        weights[i] = w
        hit = sum(wj for wj, (_, j) in zip(w, nbrs[i], strict=True) if labels[j] == b)
        observed.append(hit / sum(w) / expected)
    v_max = max(len(nbrs[i]) for i in members)
    ge = [0] * len(members)
    le = [0] * len(members)
    rng = np.random.default_rng(seed)
    for _ in range(permutations):
        u = rng.random((len(members), v_max))
        for r, i in enumerate(members):
            left = pool_b
            hit = 0.0
            for t, wt in enumerate(weights[i]):
                if u[r, t] < left / (n - 1 - t):
                    hit += wt
                    left -= 1
            value = hit / sum(weights[i]) / expected
            tol = 1e-9 * max(1.0, abs(observed[r]))
            ge[r] += value >= observed[r] - tol
            le[r] += value <= observed[r] + tol
    p_upper = [(g + 1) / (permutations + 1) for g in ge]
    p_lower = [(x + 1) / (permutations + 1) for x in le]
    return members, observed, p_upper, p_lower
