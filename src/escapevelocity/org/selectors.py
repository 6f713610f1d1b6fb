"""Reads of the organization that have rules."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, QuerySet

from escapevelocity.org.models import Membership, Unit


def units_list(*, include_archived: bool = False) -> QuerySet[Unit]:
    """Every unit of the company with its hub and region. Everyone who works here may see the
    organization chart; what they may see of a unit's *work* is permissions' business."""
    qs = Unit.objects.select_related("hub", "region").order_by("kind", "name")
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs


def people_list() -> QuerySet[Any]:
    """Active people with their memberships, in two queries whatever their number."""
    memberships = Membership.objects.select_related("unit").order_by("unit__name")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .prefetch_related(Prefetch("memberships", queryset=memberships))
        .order_by("username")
    )


def unit_members(*, unit: Unit) -> QuerySet[Membership]:
    return Membership.objects.filter(unit=unit).select_related("user").order_by("user__username")
