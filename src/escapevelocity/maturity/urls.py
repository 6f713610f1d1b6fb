from django.urls import path

from escapevelocity.maturity import views

app_name = "maturity"
urlpatterns = [
    path("", views.index, name="index"),
]
