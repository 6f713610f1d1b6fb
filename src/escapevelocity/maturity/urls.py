from django.urls import path

from escapevelocity.maturity import views

app_name = "maturity"
urlpatterns = [
    path("", views.index, name="index"),
    path("assess/", views.assess, name="assess"),
    path("compare/", views.compare, name="compare"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
