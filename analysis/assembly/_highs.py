"""The LP and MILP solves of the exact 整备建议 model, by HiGHS through ``highspy``.

HiGHS is the solver :func:`scipy.optimize.milp` wraps too; calling it directly gives what the
wrapper does not pass on:

* an **objective cut-off** (HiGHS's ``objective_bound``): branches whose bound cannot beat
  the best cost found so far are pruned from the start, and a case that holds no cheaper set
  ends as *infeasible* — a proof that it cannot improve on the incumbent;
* the **dual bound when time runs out**, also when the cut-off left no solution to report
  (the wrapper then reports none, so a stopped case could only fall back on its LP bound).

Measured on the demo across trunk roads (100 ha): the corridor's first root case is proven
unable to beat the incumbent in 23 s, against 84–89 s to solve it to its own optimum without
the cut-off (``benchmarks/assembly.py`` gives the whole instances).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import csr_matrix

__all__ = ["Result", "solve"]

#: HiGHS's value for an unbounded row or column side.
_INF = highspy.kHighsInf
#: MILP options. The incumbent comes from the heuristic and enters as the cut-off, so
#: HiGHS's own primal heuristics have little to add, and a restart after root presolve
#: throws its search away: without both the first root cases of 金沙-碧湖 and the corridor
#: close in 7.8 s and 16.1 s instead of 9.7 s and 29.0 s.
_MIP_OPTIONS = {"mip_allow_restart": False, "mip_heuristic_effort": 0.0}


@dataclass(frozen=True)
class Result:
    """Outcome of one solve.

    ``status`` is ``"optimal"``, ``"infeasible"`` (also: nothing beats the cut-off),
    ``"time_limit"`` or ``"other"``; ``x`` the best point found below the cut-off (None
    without one; a point found at or above the cut-off may be returned when time runs out);
    ``objective`` its value (inf without one); ``dual_bound`` the proven lower bound
    (``-inf`` when HiGHS has none)."""

    status: str
    x: np.ndarray | None
    objective: float
    dual_bound: float


def solve(
    c: np.ndarray,
    matrix: csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integrality: np.ndarray,
    *,
    time_limit_s: float,
    relax: bool = False,
    cutoff: float = math.inf,
) -> Result:
    """Minimise ``c·x`` subject to ``row_lower ≤ matrix·x ≤ row_upper`` and the column
    bounds; columns with ``integrality`` 1 are integer unless ``relax``. With a finite
    ``cutoff`` only points whose objective is below it count as solutions."""
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", max(float(time_limit_s), 1e-3))
    if math.isfinite(cutoff):
        highs.setOptionValue("objective_bound", float(cutoff))
    columns = matrix.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = int(columns.shape[1]), int(columns.shape[0])
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -_INF).astype(float)
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, _INF).astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = columns.indptr
    lp.a_matrix_.index_ = columns.indices
    lp.a_matrix_.value_ = columns.data.astype(float)
    if not relax:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(k)] for k in integrality]
        for option, value in _MIP_OPTIONS.items():
            highs.setOptionValue(option, value)
    highs.passModel(lp)
    highs.run()
    result = _result(highs, relax)
    if result.status == "optimal" and result.objective >= cutoff:
        # HiGHS ends "optimal" with a point it met before the cut-off pruned the rest: the
        # search proved that nothing is cheaper than the cut-off.
        return Result("infeasible", None, math.inf, float(cutoff))
    return result


def _result(highs: highspy.Highs, relax: bool) -> Result:
    model_status = highs.getModelStatus()
    statuses = highspy.HighsModelStatus
    status = {
        statuses.kOptimal: "optimal",
        statuses.kInfeasible: "infeasible",
        statuses.kObjectiveBound: "infeasible",
        statuses.kTimeLimit: "time_limit",
    }.get(model_status, "other")
    info = highs.getInfo()
    has_point = info.primal_solution_status == 2  # kSolutionStatusFeasible
    x = np.asarray(highs.getSolution().col_value, dtype=float) if has_point else None
    objective = float(info.objective_function_value) if has_point else math.inf
    if relax:
        dual = objective if status == "optimal" else -math.inf
    else:
        dual = float(info.mip_dual_bound)
        if not np.isfinite(dual):
            dual = math.inf if status == "infeasible" else -math.inf
    return Result(status, x, objective, dual)
