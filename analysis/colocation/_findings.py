"""Findings in plain words: short sentences, Chinese and English, built from the computed
tables of the cluster analysis, for readers who do not know what a CLQ is.

Method
------
Each sentence restates one number of a table; nothing is computed here that the tables do
not hold.

- **Pairs** (global CLQ A→B, A ≠ B, neither of them 其他): ranked significant first, co-located (CLQ > 1)
  before isolated, then by how far the quotient departs from 1 (``|ln CLQ|``); each sentence says "around A firms, B firms are
  x times as common as random placement would give" and whether that is significant.
  Significance is the one rule of the analysis (:func:`is_significant`: the quotient's
  ``colocation_type`` is co-located or isolated, i.e. its one-sided permutation p-value is
  below α), so the sentences and the tables cannot disagree.
- **Concentration** (LQ per cluster × park): for each cluster, the park where its LQ is
  highest; the clusters with the highest such LQ above 1 are named.
- **Year on year** (:func:`change_findings`): the (cluster, park) pairs whose firm count
  rose or fell most, with the change in 产值 as a percentage of the earlier year.
- **Guidance fit**: the park with the lowest share of firms in its guided clusters, and the
  number of firms sitting where the plan does not guide their cluster (outside every park
  included).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.colocation._common import COLOCATED, ISOLATED
from layers.schema import CLUSTER

__all__ = ["change_findings", "findings", "is_significant"]

#: Codes left out of the pair sentences: "other" gathers firms of no cluster.
_NOT_A_CLUSTER = ("other",)


def is_significant(colocation_type: pd.Series | np.ndarray) -> np.ndarray:
    """Whether each quotient is significant: its ``colocation_type`` is co-located or
    isolated (p-value in the direction of its departure from 1 below α, as the analysis
    classified it with the α it was given). The one significance rule of the tables and
    the sentences."""
    return np.isin(np.asarray(colocation_type, dtype=object), [COLOCATED, ISOLATED])


def _name(code: str, lang: str) -> str:
    return CLUSTER.label(code, lang)


def _pair_sentences(clq: pd.DataFrame, max_pairs: int) -> list[dict]:
    pairs = clq[(clq["category_a"] != clq["category_b"]) & np.isfinite(clq["clq"])].copy()
    # 其他 is what is left over, not a cluster: a pair with it says nothing to the reader.
    pairs = pairs[
        ~pairs["category_a"].isin(_NOT_A_CLUSTER) & ~pairs["category_b"].isin(_NOT_A_CLUSTER)
    ]
    pairs = pairs[pairs["clq"] > 0]
    if pairs.empty:
        return []
    pairs["significant"] = is_significant(pairs["colocation_type"])
    pairs["colocated"] = pairs["clq"] > 1.0
    pairs["strength"] = np.abs(np.log(pairs["clq"].to_numpy(dtype=float)))
    pairs = pairs.sort_values(
        ["significant", "colocated", "strength"], ascending=False, kind="stable"
    )
    out = []
    for row in pairs.head(max_pairs).itertuples():
        a_zh, b_zh = _name(row.category_a, "zh"), _name(row.category_b, "zh")
        a_en, b_en = _name(row.category_a, "en"), _name(row.category_b, "en")
        tested = row.colocation_type is not None and not pd.isna(row.colocation_type)
        if row.significant:
            zh_tail, en_tail = "（显著）", " (significant)"
        elif tested:
            zh_tail, en_tail = "（不显著，可能是偶然）", " (not significant: may be chance)"
        else:
            zh_tail, en_tail = "（未检验显著性）", " (significance not tested)"
        ratio = f"{row.clq:.1f}"
        out.append(
            {
                "kind": "pair",
                "subject": row.category_a,
                "object": row.category_b,
                "value": float(row.clq),
                "significant": bool(row.significant),
                "zh": f"{a_zh}企业周边的{b_zh}企业是随机分布的 {ratio} 倍{zh_tail}",
                "en": f"Around {a_en} firms, {b_en} firms are {ratio} times as common as "
                f"random placement would give{en_tail}",
            }
        )
    return out


def _concentration_sentences(
    lq: pd.DataFrame, park_names: Mapping[str, tuple[str, str]], by_output: bool, top: int
) -> list[dict]:
    table = lq.astype(float)
    if table.empty:
        return []
    best_park = table.idxmax(axis=0, skipna=True)
    best_lq = table.max(axis=0, skipna=True)
    ranked = best_lq[best_lq > 1.0].sort_values(ascending=False, kind="stable").head(top)
    measure = ("产值", "output") if by_output else ("企业数", "firm-count")
    out = []
    for i, (cluster, value) in enumerate(ranked.items()):
        park = str(best_park[cluster])
        zh_park, en_park = park_names.get(park, (park, park))
        lead = i == 0
        out.append(
            {
                "kind": "concentration",
                "subject": park,
                "object": cluster,
                "value": float(value),
                "significant": None,
                "zh": f"{zh_park}的{_name(cluster, 'zh')}{measure[0]}区位熵 {value:.1f}"
                + ("，为全区最集中" if lead else ""),
                "en": f"{en_park}: {_name(cluster, 'en')} {measure[1]} location quotient "
                f"{value:.1f}" + (", the most concentrated in the district" if lead else ""),
            }
        )
    return out


def _fit_sentences(
    fit: pd.DataFrame | None,
    off: pd.DataFrame | None,
    park_names: Mapping[str, tuple[str, str]],
) -> list[dict]:
    out = []
    if fit is not None and fit["fit_share_count"].notna().any():
        row = fit.loc[fit["fit_share_count"].idxmin()]
        zh_park, en_park = park_names.get(str(row["park_id"]), (row["park_id"], row["park_id"]))
        share = f"{row['fit_share_count']:.0%}"
        out.append(
            {
                "kind": "fit",
                "subject": str(row["park_id"]),
                "object": None,
                "value": float(row["fit_share_count"]),
                "significant": None,
                "zh": f"{zh_park}的企业中 {share} 属于规划导向集群，为各园区最低",
                "en": f"{en_park}: {share} of its firms are in the clusters the plan guides "
                f"there, the lowest of the parks",
            }
        )
    if off is not None:
        outside = int(off["park_id"].isna().sum())
        out.append(
            {
                "kind": "off_guidance",
                "subject": None,
                "object": None,
                "value": float(len(off)),
                "significant": None,
                "zh": f"{len(off)} 家企业所在位置不是其集群的规划导向园区（其中 {outside} 家在所有园区之外）",
                "en": f"{len(off)} firms sit where the plan does not guide their cluster "
                f"({outside} of them outside every park)",
            }
        )
    return out


def findings(
    clq: pd.DataFrame | None,
    lq: pd.DataFrame | None,
    *,
    fit: pd.DataFrame | None = None,
    off_guidance: pd.DataFrame | None = None,
    park_names: Mapping[str, tuple[str, str]] | None = None,
    lq_by_output: bool = False,
    max_pairs: int = 3,
    max_concentrations: int = 3,
) -> pd.DataFrame:
    """Short sentences stating what the tables found, Chinese and English.

    Parameters
    ----------
    clq : DataFrame or None
        :func:`colocation_quotients` output (``category_a``, ``category_b``, ``clq``,
        ``colocation_type``).
    lq : DataFrame or None
        :func:`location_quotients` output (parks × clusters).
    fit : DataFrame, optional
        :func:`park_guidance_fit` output.
    off_guidance : DataFrame, optional
        :func:`off_guidance_firms` output.
    park_names : mapping park_id → (Chinese, English), optional
        Display names; ids are shown where missing.
    lq_by_output : bool, default False
        Whether ``lq`` was weighted by 产值 (the sentence names the measure).
    max_pairs, max_concentrations : int
        How many pair and concentration sentences at most.

    Returns
    -------
    DataFrame
        One row per sentence, in reading order (pairs, concentration, fit): ``kind``
        (``pair``, ``concentration``, ``fit``, ``off_guidance``), ``subject``, ``object``,
        ``value`` (the number restated), ``significant`` (pairs only), ``zh``, ``en``.
    """
    names = dict(park_names or {})
    rows: list[dict] = []
    if clq is not None and len(clq):
        rows += _pair_sentences(clq, max_pairs)
    if lq is not None and len(lq):
        rows += _concentration_sentences(lq, names, lq_by_output, max_concentrations)
    rows += _fit_sentences(fit, off_guidance, names)
    columns = ["kind", "subject", "object", "value", "significant", "zh", "en"]
    return pd.DataFrame(rows, columns=columns)


def change_findings(
    change: pd.DataFrame,
    park_names: Mapping[str, tuple[str, str]] | None = None,
    *,
    top: int = 3,
) -> pd.DataFrame:
    """Sentences on the clusters that grew or shrank most in a park between two years.

    Parameters
    ----------
    change : DataFrame
        :func:`cluster_park_change` output (``cluster``, ``park_id``, ``n_before``,
        ``n_after``, ``n_change``, ``output_before_10k_cny``, ``output_after_10k_cny``).
    park_names : mapping park_id → (Chinese, English), optional
    top : int, default 3
        Sentences on growth and on decline, each at most.

    Returns
    -------
    DataFrame
        ``kind`` (``grew`` / ``shrank``), ``subject`` (park id, None outside the parks),
        ``object`` (cluster), ``value`` (firm count change), ``zh``, ``en``; largest growth
        first, then largest decline. Output change is ``(after − before) / before`` in per
        cent, omitted when the earlier output is 0.
    """
    names = dict(park_names or {})
    rows = []
    grew = change[change["n_change"] > 0].sort_values("n_change", ascending=False, kind="stable")
    shrank = change[change["n_change"] < 0].sort_values("n_change", kind="stable")
    for kind, part in (("grew", grew.head(top)), ("shrank", shrank.head(top))):
        for r in part.itertuples():
            park = r.park_id
            zh_park, en_park = (
                names.get(park, (park, park))
                if park is not None
                else ("园区外", "outside the parks")
            )
            before = float(r.output_before_10k_cny)
            pct = (float(r.output_after_10k_cny) - before) / before * 100 if before > 0 else None
            zh_out = f"，产值 {pct:+.0f}%" if pct is not None else ""
            en_out = f", output {pct:+.0f}%" if pct is not None else ""
            n = abs(int(r.n_change))
            zh_verb = "增加" if kind == "grew" else "减少"
            en_verb = "gained" if kind == "grew" else "lost"
            rows.append(
                {
                    "kind": kind,
                    "subject": park,
                    "object": r.cluster,
                    "value": int(r.n_change),
                    "zh": f"{zh_park}的{_name(r.cluster, 'zh')}企业{zh_verb} {n} 家"
                    f"（{int(r.n_before)} → {int(r.n_after)}{zh_out}）",
                    "en": f"{en_park}: {_name(r.cluster, 'en')} {en_verb} {n} firm"
                    f"{'s' if n != 1 else ''} ({int(r.n_before)} → {int(r.n_after)}{en_out})",
                }
            )
    return pd.DataFrame(rows, columns=["kind", "subject", "object", "value", "zh", "en"])
