from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "escapevelocity.web"
    label = "web"
