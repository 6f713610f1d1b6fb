from django.urls import path

from escapevelocity.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.index, name="index"),
]
