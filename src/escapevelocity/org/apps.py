from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "escapevelocity.org"
    label = "org"
    verbose_name = "Organization"
