"""The JSON API at /api/: one NinjaAPI, a router per app, one error format.

Errors: 401 without credentials, 403 when the person may not act, 404 for what they cannot see,
422 for bad input with a `detail` list whose entries name the field (`loc`) and say what is
wrong (`msg`), the same shape django-ninja uses for schema errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import APIKeyCookie, HttpBearer

from escapevelocity.org.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class Session(APIKeyCookie):
    """The browser's login session; django-ninja checks the CSRF token for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


api = NinjaAPI(
    title="Escape Velocity API",
    version="1",
    description="Care, demand, governance, outcomes and maturity for a social media program.",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
    urls_namespace="api",
)


def validation_detail(exc: ValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "value_error"}
            for field, errors in exc.message_dict.items()
            for message in errors
        ]
    return [{"loc": ["body"], "msg": message, "type": "value_error"} for message in exc.messages]


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": validation_detail(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or "You may not do that."
    return api.create_response(request, {"detail": message}, status=403)


def _add_routers() -> None:
    from escapevelocity.care.api import router as care_router
    from escapevelocity.demand.api import router as demand_router
    from escapevelocity.governance.api import router as governance_router
    from escapevelocity.maturity.api import router as maturity_router
    from escapevelocity.org.api import router as org_router
    from escapevelocity.outcomes.api import router as outcomes_router

    api.add_router("/org/", org_router, tags=["organization"])
    api.add_router("/care/", care_router, tags=["care"])
    api.add_router("/demand/", demand_router, tags=["demand"])
    api.add_router("/governance/", governance_router, tags=["governance"])
    api.add_router("/outcomes/", outcomes_router, tags=["outcomes"])
    api.add_router("/maturity/", maturity_router, tags=["maturity"])


_add_routers()
