from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "escapevelocity.demo"
    label = "demo"
