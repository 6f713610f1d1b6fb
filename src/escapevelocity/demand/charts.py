"""Plotly figures for the risk gauge and the forecast, as JSON for the page's script."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import plotly.graph_objects as go

from escapevelocity.planning import capacity

VERDICT_COLOURS = {
    capacity.HELP_DESK: "#b42318",
    capacity.HOLDING: "#9a6700",
    capacity.ESCAPE_VELOCITY: "#1a7f37",
}


def pct(x: float) -> int:
    """A share as a whole percentage, capped for display (overload is overload)."""
    return 999 if not math.isfinite(x) else min(999, round(x * 100))


def _json(fig: go.Figure) -> Any:
    return json.loads(fig.to_json())


def gauge(a: capacity.Assessment) -> Any:
    """Reactive load over the next four weeks (with the waiting backlog), against overload."""
    overload = a.capacity.overload_at * 100
    fig = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=pct(a.load_next_4_weeks),
            number={"suffix": "%"},
            title={"text": "Reactive load, next 4 weeks"},
            gauge={
                "axis": {"range": [0, max(150, overload)]},
                "bar": {"color": VERDICT_COLOURS[a.verdict]},
                "steps": [
                    {"range": [0, 70], "color": "#dafbe1"},
                    {"range": [70, overload], "color": "#fff8c5"},
                    {"range": [overload, max(150, overload)], "color": "#ffebe9"},
                ],
                "threshold": {"line": {"color": "#1b1f24", "width": 3}, "value": overload},
            },
        )
    )
    fig.update_layout(height=240, margin={"l": 30, "r": 40, "t": 50, "b": 10})
    return _json(fig)


def forecast(a: capacity.Assessment) -> Any:
    """Forecast reactive load per week (share of the hub's reactive hours) with its interval."""
    x = [w.start.isoformat() if w.start else w.index for w in a.weeks]
    mean = [pct(w.utilization) for w in a.weeks]
    high = [pct(w.utilization_high) for w in a.weeks]
    low = [pct(w.utilization_low) for w in a.weeks]
    overload = a.capacity.overload_at * 100
    fig = go.Figure()
    if a.history_utilization and a.weeks and a.weeks[0].start is not None:
        first = a.weeks[0].start
        past = len(a.history_utilization)
        past_x = [(first - dt.timedelta(weeks=past - i)).isoformat() for i in range(past)]
        fig.add_trace(
            go.Scatter(
                x=past_x,
                y=[pct(u) for u in a.history_utilization],
                mode="lines",
                name="Past weeks",
                line={"color": "#57606a"},
            )
        )
        x_all = past_x + x
    else:
        x_all = x
    fig.add_trace(
        go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip")
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=low,
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(11,92,173,0.15)",
            name=f"{a.requests.level:.0%} interval",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x, y=mean, mode="lines+markers", name="Forecast load", line={"color": "#0b5cad"}
        )
    )
    fig.add_trace(
        go.Scatter(
            x=x_all,
            y=[overload] * len(x_all),
            mode="lines",
            name="Overload",
            line={"color": "#b42318", "dash": "dash"},
        )
    )
    fig.update_layout(
        height=300,
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        yaxis={"title": "% of reactive hours", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )
    return _json(fig)
