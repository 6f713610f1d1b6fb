from django.apps import AppConfig


class DemandConfig(AppConfig):
    name = "escapevelocity.demand"
    label = "demand"
