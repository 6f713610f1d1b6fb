from django.urls import path

from escapevelocity.care import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
]
