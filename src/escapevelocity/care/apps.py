from django.apps import AppConfig


class CareConfig(AppConfig):
    name = "escapevelocity.care"
    label = "care"
