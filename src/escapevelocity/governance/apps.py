from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "escapevelocity.governance"
    label = "governance"
