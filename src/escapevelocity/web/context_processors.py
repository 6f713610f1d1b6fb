from typing import Any

from django.http import HttpRequest

from escapevelocity.org import permissions

SECTIONS = [
    ("care", "Care", "care:index"),
    ("demand", "Demand", "demand:index"),
    ("governance", "Governance", "governance:index"),
    ("outcomes", "Outcomes", "outcomes:index"),
    ("maturity", "Maturity", "maturity:index"),
    ("org", "Organization", "org:index"),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    section = request.path.strip("/").split("/")[0] if request.path else ""
    user = getattr(request, "user", None)
    return {
        "nav_sections": SECTIONS,
        "nav_current": section,
        "nav_is_hub": bool(user and permissions.is_hub(user)),
        "nav_can_manage_org": bool(user and permissions.can_manage_org(user)),
    }
