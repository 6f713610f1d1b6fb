"""The hub's view of its connectors: is each one listening, how far behind, what went wrong."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from escapevelocity.care import listen


@login_required
@require_GET
def connectors(request: HttpRequest) -> HttpResponse:
    rows = listen.connectors_health(user=request.user)
    return render(request, "care/connectors.html", {"rows": rows})
