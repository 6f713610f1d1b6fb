"""Organization pages: everyone in the program reads; only the strategist changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from escapevelocity.org import permissions, selectors, services
from escapevelocity.org.forms import CompanyForm, MembershipForm, PersonForm, UnitForm
from escapevelocity.org.models import Membership, Unit


def _require_manager(request: HttpRequest) -> None:
    if not permissions.can_manage_org(request.user):
        raise PermissionDenied("Only the strategist (hub lead) may change the organization.")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    permissions.require_member(request.user)
    return render(
        request,
        "org/index.html",
        {
            "company": services.company_get(),
            "units": selectors.units_list(include_archived=True),
            "people": selectors.people_list(),
            "can_manage": permissions.can_manage_org(request.user),
        },
    )


def _form_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    title: str,
    action: Callable[[dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Render a form; on a valid POST call the service, mapping its field errors onto the form."""
    if request.method == "POST" and form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, done)
            return redirect("org:index")
    status = 422 if request.method == "POST" else 200
    return render(request, "org/form.html", {"form": form, "title": title}, status=status)


@login_required
def company_edit(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    company = services.company_get()
    form = CompanyForm(
        request.POST or None, initial={"name": company.name, "org_model": company.org_model}
    )
    return _form_page(
        request,
        form=form,
        title="Company",
        action=lambda d: services.company_update(
            actor=request.user, name=d["name"], org_model=d["org_model"]
        ),
        done="Company saved.",
    )


@login_required
def unit_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = UnitForm(request.POST or None)
    form.fields.pop("archived")
    return _form_page(
        request,
        form=form,
        title="New unit",
        action=lambda d: services.unit_create(
            actor=request.user,
            key=d["key"],
            name=d["name"],
            kind=d["kind"],
            function=d["function"],
            region=d["region"],
            hub=d["hub"],
            description=d["description"],
        ),
        done="Unit created.",
    )


@login_required
def unit_edit(request: HttpRequest, key: str) -> HttpResponse:
    _require_manager(request)
    unit = get_object_or_404(Unit, key=key)
    form = UnitForm(
        request.POST or None,
        initial={
            "key": unit.key,
            "name": unit.name,
            "kind": unit.kind,
            "function": unit.function,
            "region": unit.region.key if unit.region else None,
            "hub": unit.hub.key if unit.hub else None,
            "description": unit.description,
            "archived": unit.archived,
        },
    )
    form.fields.pop("key")
    form.fields.pop("kind")
    return _form_page(
        request,
        form=form,
        title=f"Edit {unit.name}",
        action=lambda d: services.unit_update(
            actor=request.user,
            unit=unit,
            name=d["name"],
            function=d["function"],
            region=d["region"],
            hub=d["hub"],
            description=d["description"],
            archived=d["archived"],
        ),
        done="Unit saved.",
    )


@login_required
def person_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = PersonForm(request.POST or None)
    return _form_page(
        request,
        form=form,
        title="New person",
        action=lambda d: services.person_create(
            actor=request.user,
            username=d["username"],
            email=d["email"],
            first_name=d["first_name"],
            last_name=d["last_name"],
            password=d["password"] or None,
        ),
        done="Person added. Give them a role in a unit next.",
    )


@login_required
def membership_new(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = MembershipForm(request.POST or None, initial=request.GET or None)

    def add(d: dict[str, Any]) -> Membership:
        user = get_user_model().objects.filter(username=d["username"]).first()
        if user is None:
            raise ValidationError({"username": [f"No person with username '{d['username']}'."]})
        return services.membership_set(
            actor=request.user,
            user=user,
            unit=d["unit"],
            role=d["role"],
            weekly_hours=d["weekly_hours"],
        )

    return _form_page(request, form=form, title="Add to a unit", action=add, done="Role given.")


@login_required
@require_POST
def membership_delete(request: HttpRequest, membership_id: int) -> HttpResponse:
    _require_manager(request)
    membership = get_object_or_404(Membership, pk=membership_id)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Role removed.")
    return redirect("org:index")
