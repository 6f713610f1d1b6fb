"""The executive report: one self-contained HTML file for a period — styles, charts and
plotly's JavaScript inlined, so it opens from a mail attachment or a USB stick with no network."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from escapevelocity.org import services as org_services
from escapevelocity.org.models import Unit, UnitKind
from escapevelocity.outcomes import charts, dashboards, metrics, selectors
from escapevelocity.outcomes.dashboards import Period


def report_context(period: Period) -> dict[str, Any]:
    ctx = metrics.Context(selectors.settings_get())
    executive = dashboards.tiles(metrics.EXECUTIVE_KEYS, period, ctx=ctx, with_charts=True)
    strategist = dashboards.tiles(dashboards.STRATEGIST_KEYS, period, ctx=ctx)
    community = dashboards.tiles(dashboards.COMMUNITY_KEYS, period, ctx=ctx)
    units = list(Unit.objects.filter(archived=False, kind=UnitKind.SPOKE).order_by("name"))
    rows = dashboards.unit_table(units, period, ctx=ctx)
    alerts = list(selectors.alerts_in(period.window()).select_related("unit")[:50])
    return {
        "company": org_services.company_get(),
        "period": period,
        "generated": timezone.now(),
        "executive": executive,
        "strategist": strategist,
        "community": community,
        "unit_rows": rows,
        "unit_keys": [metrics.get(k) for k in dashboards.UNIT_TABLE_KEYS],
        "unit_charts": dashboards.unit_charts(rows),
        "alerts": alerts,
        "registry": list(metrics.REGISTRY.values()),
        "currency": ctx.settings.currency,
    }


def render_report(period: Period) -> str:
    """The report as a complete HTML document."""
    context = report_context(period)
    context["plotly_js"] = charts.plotly_js()
    return render_to_string("outcomes/report.html", context)


def filename(period: Period) -> str:
    return f"executive-report-{period.start.isoformat()}-to-{period.end.isoformat()}.html"
