from django.urls import path

from escapevelocity.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
]
