"""Forms only parse HTML input; the services decide what is valid and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from escapevelocity.governance.models import AccountStatus, ModuleKind, Network, Right
from escapevelocity.org.models import Unit, UnitKind


def active_people() -> Any:
    """Active people with a role somewhere: the ones who may own accounts and steps."""
    return (
        get_user_model()
        .objects.filter(is_active=True, memberships__isnull=False)
        .distinct()
        .order_by("username")
    )


def _people(required: bool, label: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=active_people(),
        to_field_name="username",
        required=required,
        label=label,
    )


def _units(required: bool = True, **filters: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Unit.objects.filter(archived=False, **filters).order_by("name"),
        to_field_name="key",
        required=required,
    )


class AccountForm(forms.Form):
    network = forms.ChoiceField(choices=Network.choices)
    handle = forms.CharField(max_length=120)
    url = forms.CharField(max_length=500, required=False, label="URL")
    unit = _units(required=False)
    region = _units(required=False, kind=UnitKind.REGION)
    purpose = forms.CharField(max_length=300, required=False)
    audience = forms.CharField(max_length=300, required=False)
    owner = _people(False, "Owner")
    backup = _people(False, "Backup")
    status = forms.ChoiceField(
        choices=[c for c in AccountStatus.choices if c[0] != AccountStatus.UNAPPROVED]
    )
    created_on = forms.DateField(required=False, label="Opened on", help_text="YYYY-MM-DD")
    last_activity_at = forms.DateTimeField(
        required=False, label="Last activity", help_text="YYYY-MM-DD HH:MM"
    )
    follower_count = forms.IntegerField(
        required=False, min_value=0, help_text="Reach, not an outcome"
    )


class ApproveForm(forms.Form):
    unit = _units()
    owner = _people(True, "Owner")
    backup = _people(False, "Backup")
    purpose = forms.CharField(max_length=300, required=False)


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=300, label="Why it is not the company's")


class GrantForm(forms.Form):
    user = _people(True, "Person")
    right = forms.ChoiceField(choices=Right.choices)


class DiscoveryForm(forms.Form):
    file = forms.FileField(
        label="CSV of found accounts", help_text="Columns: network, handle, url, evidence"
    )


class ConsolidationForm(forms.Form):
    target = forms.IntegerField(widget=forms.HiddenInput, required=False)
    into = forms.ChoiceField(label="Merge into")
    owner = _people(True, "Owner of the steps")
    start = forms.DateField(required=False, help_text="YYYY-MM-DD; today when empty")
    note = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompletionForm(forms.Form):
    user = _people(True, "Person")
    module = forms.ChoiceField(label="Module")
    completed_at = forms.DateTimeField(
        required=False, label="Completed", help_text="YYYY-MM-DD HH:MM; now when empty"
    )


class ModuleForm(forms.Form):
    key = forms.SlugField(max_length=64)
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=ModuleKind.choices)
    valid_days = forms.IntegerField(min_value=1, max_value=3650, initial=365)
    required = forms.BooleanField(required=False, initial=True)


class PolicyForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))


class SettingsForm(forms.Form):
    marks = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Names and marks",
        help_text="One per line; empty uses the company's name",
    )
    dormant_after_days = forms.IntegerField(
        min_value=1, max_value=10000, label="Dormant after (days without activity)"
    )


class StepForm(forms.Form):
    owner = _people(True, "Owner")
    due = forms.DateField(help_text="YYYY-MM-DD")
