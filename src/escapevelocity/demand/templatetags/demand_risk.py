"""`{% demand_risk_panel %}`: the hub's help-desk risk gauge, for the home page."""

from __future__ import annotations

from typing import Any

from django import template

from escapevelocity.org import permissions

register = template.Library()


@register.inclusion_tag("demand/_risk_panel.html", takes_context=True)
def demand_risk_panel(context: dict[str, Any]) -> dict[str, Any]:
    """The gauge and forecast for hub members; nothing for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not permissions.is_hub(user):
        return {"show": False}
    from escapevelocity.demand.views import risk_panel_context

    return {"show": True, "link": True, **risk_panel_context()}
