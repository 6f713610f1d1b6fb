"""Outcome pages: the executive view, the strategist's view, a unit's view, crisis alerts,
the executive report and the settings. Executives and the hub read the whole company; a spoke
lead reads their own unit; agents and people outside the program read none of it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from escapevelocity.org import permissions
from escapevelocity.org.models import Unit, UnitKind
from escapevelocity.outcomes import dashboards, metrics, report, selectors, services
from escapevelocity.outcomes.models import ChecklistItem


def _require_company_reader(request: HttpRequest) -> None:
    if not selectors.reads_company(request.user):
        raise PermissionDenied("Executives and the hub read the company's outcomes.")


def _period(request: HttpRequest) -> tuple[dashboards.Period | None, dict[str, list[str]]]:
    try:
        return dashboards.period_from_params(request.GET), {}
    except ValidationError as exc:
        return None, exc.message_dict


def _period_or_422(
    request: HttpRequest, template: str, context: dict[str, Any]
) -> tuple[dashboards.Period | None, HttpResponse | None]:
    period, errors = _period(request)
    if period is None:
        context.update({"errors": errors, "period": None})
        return None, render(request, template, context, status=422)
    return period, None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    if selectors.reads_company(request.user):
        return redirect("outcomes:executive")
    units = selectors.dashboard_units(user=request.user)
    if units:
        return redirect("outcomes:unit", key=units[0].key)
    raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")


def _base(request: HttpRequest, view: str) -> dict[str, Any]:
    return {
        "view": view,
        "choices": dashboards.PERIOD_CHOICES,
        "reads_company": selectors.reads_company(request.user),
        "dashboard_units": selectors.dashboard_units(user=request.user),
        "is_hub": permissions.is_hub(request.user),
    }


@login_required
def executive(request: HttpRequest) -> HttpResponse:
    _require_company_reader(request)
    context = _base(request, "executive")
    period, failed = _period_or_422(request, "outcomes/executive.html", context)
    if failed:
        return failed
    assert period is not None
    context.update(
        {
            "period": period,
            "tiles": dashboards.tiles(metrics.EXECUTIVE_KEYS, period, with_charts=True),
            "alerts": list(selectors.alerts_in(period.window()).select_related("unit")[:5]),
        }
    )
    return render(request, "outcomes/executive.html", context)


@login_required
def strategist(request: HttpRequest) -> HttpResponse:
    _require_company_reader(request)
    context = _base(request, "strategist")
    period, failed = _period_or_422(request, "outcomes/strategist.html", context)
    if failed:
        return failed
    assert period is not None
    ctx = metrics.Context(selectors.settings_get())
    units = list(
        permissions.units_visible_to(request.user)
        .filter(archived=False, kind=UnitKind.SPOKE)
        .order_by("name")
    )
    rows = dashboards.unit_table(units, period, ctx=ctx)
    context.update(
        {
            "period": period,
            "strategist_tiles": dashboards.tiles(dashboards.STRATEGIST_KEYS, period, ctx=ctx),
            "community_tiles": dashboards.tiles(dashboards.COMMUNITY_KEYS, period, ctx=ctx),
            "trend_tiles": dashboards.tiles(
                ("care.volume", "reputation.negative_share", "care.sla_attainment"),
                period,
                ctx=ctx,
                with_charts=True,
            ),
            "unit_rows": rows,
            "unit_keys": [metrics.get(k) for k in dashboards.UNIT_TABLE_KEYS],
            "unit_charts": dashboards.unit_charts(rows),
        }
    )
    return render(request, "outcomes/strategist.html", context)


def _unit_for(request: HttpRequest, key: str) -> Unit:
    unit = Unit.objects.filter(key=key).first()
    if unit is None:
        raise Http404("No such unit.")
    if unit not in selectors.dashboard_units(user=request.user):
        if permissions.can_read_dashboards(request.user):
            raise PermissionDenied("You read your own unit's outcomes only.")
        raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")
    return unit


@login_required
def unit_view(request: HttpRequest, key: str) -> HttpResponse:
    unit = _unit_for(request, key)
    context = _base(request, "unit")
    context["unit"] = unit
    period, failed = _period_or_422(request, "outcomes/unit.html", context)
    if failed:
        return failed
    assert period is not None
    context.update(
        {
            "period": period,
            "tiles": dashboards.tiles(dashboards.UNIT_KEYS, period, unit=unit),
            "trend_tiles": dashboards.tiles(
                ("care.volume", "reputation.net_sentiment"), period, unit=unit, with_charts=True
            ),
            "alerts": list(selectors.alerts_in(period.window(unit)).select_related("unit")[:10]),
        }
    )
    return render(request, "outcomes/unit.html", context)


@login_required
def definitions(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")
    context = _base(request, "definitions")
    context["tiers"] = [(t, metrics.for_tier(t)) for t in metrics.TIERS]
    return render(request, "outcomes/definitions.html", context)


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")
    context = _base(request, "alerts")
    context["alerts"] = list(selectors.alerts_visible(user=request.user)[:200])
    return render(request, "outcomes/alerts.html", context)


def _alert_for(request: HttpRequest, pk: int) -> Any:
    if not permissions.can_read_dashboards(request.user):
        raise PermissionDenied("Outcome dashboards are for executives, the hub and spoke leads.")
    alert = selectors.alerts_visible(user=request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    checklist = getattr(alert, "checklist", None)
    items = list(checklist.items.select_related("done_by")) if checklist else []
    params: dict[str, str] = {}
    if alert.kind == "negative_share":
        params["sentiment"] = "negative"
    if alert.series.startswith("topic:"):
        params["intent"] = alert.topic
    context = _base(request, "alerts")
    context.update(
        {
            "alert": alert,
            "checklist": checklist,
            "items": items,
            "posts_url": selectors.inbox_url(unit=alert.unit, **params),
            "may_work": permissions.is_hub(request.user)
            or bool(alert.unit_id and permissions.can_act_on_unit(request.user, alert.unit_id)),
        }
    )
    return render(request, "outcomes/alert.html", context)


@login_required
@require_POST
def checklist_item(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_id, checklist__alert=alert)
    services.checklist_item_toggle(
        actor=request.user, item=item, done=request.POST.get("done") == "1"
    )
    return redirect("outcomes:alert", pk=alert.pk)


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    _require_company_reader(request)
    context = _base(request, "report")
    period, failed = _period_or_422(request, "outcomes/report_form.html", context)
    if failed:
        return failed
    context["period"] = period
    return render(request, "outcomes/report_form.html", context)


@login_required
def report_download(request: HttpRequest) -> HttpResponse:
    _require_company_reader(request)
    period, errors = _period(request)
    if period is None:
        context = _base(request, "report")
        context.update({"errors": errors, "period": None})
        return render(request, "outcomes/report_form.html", context, status=422)
    body = report.render_report(period)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.filename(period)}"'
    return response


@login_required
def settings_view(request: HttpRequest) -> HttpResponse:
    if not permissions.is_hub(request.user):
        raise PermissionDenied("Only the hub changes outcome settings.")
    row = selectors.settings_get()
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {f: request.POST.get(f, "") for f in services.SETTINGS_FIELDS}
        if not values["webhook_secret"]:
            values.pop("webhook_secret")  # blank keeps the secret already set
        try:
            services.settings_update(actor=request.user, **values)
            return redirect("outcomes:settings")
        except ValidationError as exc:
            errors = exc.message_dict
    context = _base(request, "settings")
    context.update({"row": row, "errors": errors, "values": values})
    return render(request, "outcomes/settings.html", context, status=422 if errors else 200)
