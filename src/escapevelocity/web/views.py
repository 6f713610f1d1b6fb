from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from escapevelocity.org import permissions, services
from escapevelocity.org.models import ApiToken
from escapevelocity.web import throttle


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = permissions.scope_for(request.user)
    company = services.company_get()
    return render(
        request,
        "web/home.html",
        {"company": company, "scope": scope, "is_member": permissions.is_member(request.user)},
    )


@never_cache
@csrf_protect
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = ""
    context: dict[str, object] = {"next": next_url, "username": ""}
    status = 200
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        address = throttle.client_address(request)
        context["username"] = username
        if throttle.is_locked(username=username, address=address):
            context["error"] = (
                "Too many failed attempts. Wait a few minutes, or ask your strategist to reset "
                "your password."
            )
            status = 429
        else:
            user = authenticate(request, username=username, password=password)
            if user is None:
                throttle.record_failure(username=username, address=address)
                context["error"] = "That username and password do not match."
                status = 401
            else:
                throttle.clear_failures(username=username)
                login(request, user)
                return redirect(next_url or "web:home")
    return render(request, "web/login.html", context, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    created_secret = None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            _token, created_secret = services.token_create(
                user=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            errors = exc.message_dict
    rows = ApiToken.objects.filter(user_id=request.user.pk or 0).order_by("-created")
    return render(
        request,
        "web/tokens.html",
        {"tokens": rows, "created_secret": created_secret, "errors": errors},
        status=422 if errors else 200,
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.token_revoke(user=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("web:tokens")
