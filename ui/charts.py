"""Charts shared by the pages (altair, rendered by Streamlit's bundled Vega: offline)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd


def stacked_bars(
    table: pd.DataFrame,
    *,
    unit: str,
    row_title: str,
    part_title: str,
    colors: Sequence[str] | None = None,
) -> alt.Chart:
    """Horizontal stacked bars of a wide table: one bar per row (in the table's order), one
    segment per column (legend in column order). Long Chinese labels are kept whole."""
    rows = [str(r) for r in table.index]
    parts = [str(c) for c in table.columns]
    long = pd.DataFrame(
        {
            "row": np.repeat(rows, len(parts)),
            "part": np.tile(parts, len(rows)),
            "order": np.tile(np.arange(len(parts)), len(rows)),
            "value": table.to_numpy(dtype=float).ravel(),
        }
    )
    scale = alt.Scale(domain=parts, range=list(colors)) if colors else alt.Scale(domain=parts)
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("row:N", sort=rows, title=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("value:Q", stack="zero", title=unit),
            color=alt.Color(
                "part:N",
                scale=scale,
                title=None,
                legend=alt.Legend(orient="bottom", labelLimit=320, columns=3),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("row:N", title=row_title),
                alt.Tooltip("part:N", title=part_title),
                alt.Tooltip("value:Q", title=unit, format=",.1f"),
            ],
        )
        .properties(height=alt.Step(24))
    )


# --------------------------------------------------------------------------- binned legend
