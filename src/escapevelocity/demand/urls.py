from django.urls import path

from escapevelocity.demand import views

app_name = "demand"
urlpatterns = [
    path("", views.index, name="index"),
]
