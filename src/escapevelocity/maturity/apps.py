from django.apps import AppConfig


class MaturityConfig(AppConfig):
    name = "escapevelocity.maturity"
    label = "maturity"
