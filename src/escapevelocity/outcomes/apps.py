from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "escapevelocity.outcomes"
    label = "outcomes"
