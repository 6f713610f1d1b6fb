"""Plotly figures for the dashboards and the executive report: the same charts in both.

Labels come from the company's own configuration (unit and metric names), never from posts;
they are still stripped of markup characters because plotly renders a subset of HTML in them.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import plotly.graph_objects as go

from escapevelocity.outcomes.metrics import Metric

CONFIG = {"displaylogo": False, "responsive": True}
COLORS = ("#1f5f8b", "#c0392b", "#2e7d32", "#8e44ad", "#b9770e", "#566573")


def plain(label: str) -> str:
    """A label with the characters plotly would read as markup replaced."""
    return label.replace("<", "‹").replace(">", "›").replace("&", "+")


def _layout(fig: go.Figure, title: str, *, height: int = 260) -> go.Figure:
    fig.update_layout(
        title={"text": plain(title), "font": {"size": 14}},
        height=height,
        margin={"l": 50, "r": 20, "t": 40, "b": 40},
        paper_bgcolor="white",
        plot_bgcolor="white",
        showlegend=False,
    )
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#ccc")
    return fig


def trend(
    metric: Metric, points: list[tuple[dt.date, float | None]], *, color: str = COLORS[0]
) -> go.Figure:
    """A metric's daily values (gaps where a day had no data)."""
    fig = go.Figure(
        go.Scatter(
            x=[d.isoformat() for d, _v in points],
            y=[v for _d, v in points],
            mode="lines+markers",
            line={"color": color, "width": 2},
            marker={"size": 4},
            connectgaps=False,
            name=plain(metric.name),
        )
    )
    return _layout(fig, f"{metric.name} by day")


def by_unit(metric: Metric, values: list[tuple[str, float | None]]) -> go.Figure:
    """A metric for each unit, largest first; units without data are left out."""
    rows = sorted(((n, v) for n, v in values if v is not None), key=lambda r: r[1], reverse=True)
    fig = go.Figure(
        go.Bar(
            x=[v for _n, v in rows],
            y=[plain(n) for n, _v in rows],
            orientation="h",
            marker={"color": COLORS[0]},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, f"{metric.name} by unit", height=max(200, 60 + 28 * len(rows)))


def sentiment_mix(days: list[dt.date], negative: list[float | None]) -> go.Figure:
    fig = go.Figure(
        go.Bar(x=[d.isoformat() for d in days], y=negative, marker={"color": COLORS[1]})
    )
    return _layout(fig, "Share negative by day (%)")


def to_div(fig: go.Figure, *, div_id: str) -> str:
    """The figure as a <div> and the inline script that draws it (plotly's JS loaded apart)."""
    html: str = fig.to_html(full_html=False, include_plotlyjs=False, config=CONFIG, div_id=div_id)
    return html


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """Plotly's bundled JavaScript, as shipped in the Python package (no CDN)."""
    from plotly.offline import get_plotlyjs

    js: str = get_plotlyjs()
    return js
