"""Forms only parse HTML input; the services decide what is valid and write."""

from django import forms

from escapevelocity.org.models import OrgModel, Role, Unit, UnitFunction, UnitKind


def _units(kind: str) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Unit.objects.filter(kind=kind, archived=False), required=False, to_field_name="key"
    )


class CompanyForm(forms.Form):
    name = forms.CharField(max_length=200)
    org_model = forms.ChoiceField(choices=OrgModel.choices, label="Organizational model")


class UnitForm(forms.Form):
    key = forms.SlugField(max_length=64, help_text="Used in routing rules and the API")
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=UnitKind.choices)
    function = forms.ChoiceField(choices=[("", "—"), *UnitFunction.choices], required=False)
    region = _units(UnitKind.REGION)
    hub = _units(UnitKind.HUB)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    archived = forms.BooleanField(required=False)


class PersonForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        strip=False,
        help_text="Leave empty to set it later",
    )


class MembershipForm(forms.Form):
    username = forms.CharField(max_length=150, label="Person (username)")
    unit = forms.ModelChoiceField(queryset=Unit.objects.filter(archived=False), to_field_name="key")
    role = forms.ChoiceField(choices=Role.choices)
    weekly_hours = forms.DecimalField(min_value=0, max_value=80, initial=40, decimal_places=1)
