"""The history chart: stage and scores over time, as a plotly figure (drawn by plotly's own
bundled JavaScript, served by this app or inlined in the report; nothing from a CDN)."""

from __future__ import annotations

import functools
import json
from typing import Any

import plotly.graph_objects as go
import plotly.offline

from escapevelocity.planning.maturity import DIMENSIONS, STAGES


@functools.cache
def plotly_js() -> str:
    """Plotly's bundled JavaScript, safe to inline in a <script> element."""
    js: str = plotly.offline.get_plotlyjs()
    return js.replace("</", "<\\/")


def history_figure(points: list[dict[str, Any]]) -> dict[str, Any]:
    """A figure with the stage (1-6, left axis) and the scores (0-100, right axis) over time."""
    dates = [p["taken_at"].date().isoformat() for p in points]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[p["stage"] for p in points],
            name="Stage",
            mode="lines+markers",
            line={"width": 4, "color": "#0b5cad"},
            marker={"size": 10},
            hovertemplate="%{x}: stage %{y}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=dates,
            y=[p["overall"] for p in points],
            name="Overall score",
            mode="lines+markers",
            yaxis="y2",
            line={"width": 3, "dash": "dash", "color": "#1a7f37"},
            hovertemplate="%{x}: overall %{y}<extra></extra>",
        )
    )
    for key, label, _questions in DIMENSIONS:
        fig.add_trace(
            go.Scatter(
                x=dates,
                y=[p["dimensions"].get(key, 0) for p in points],
                name=label,
                mode="lines",
                yaxis="y2",
                line={"width": 1},
                visible="legendonly",
                hovertemplate=f"%{{x}}: {label} %{{y}}<extra></extra>",
            )
        )
    fig.update_layout(
        margin={"l": 60, "r": 60, "t": 20, "b": 40},
        height=360,
        legend={"orientation": "h", "y": -0.2},
        yaxis={
            "title": {"text": "Stage"},
            "range": [0.5, 6.5],
            "tickvals": [s.number for s in STAGES],
            "ticktext": [f"{s.number} {s.name}" for s in STAGES],
        },
        yaxis2={
            "title": {"text": "Score"},
            "range": [0, 100],
            "tickmode": "array",
            "tickvals": [0, 20, 40, 60, 80, 100],
            "showgrid": False,
            "overlaying": "y",
            "side": "right",
        },
        xaxis={"type": "date" if len(dates) > 1 else "category"},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
    )
    data: dict[str, Any] = json.loads(fig.to_json())
    return data
