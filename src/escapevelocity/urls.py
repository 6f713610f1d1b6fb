from django.contrib import admin
from django.urls import include, path

from escapevelocity.api import api

urlpatterns = [
    path("", include("escapevelocity.web.urls")),
    path("org/", include("escapevelocity.org.urls")),
    path("care/", include("escapevelocity.care.urls")),
    path("demand/", include("escapevelocity.demand.urls")),
    path("governance/", include("escapevelocity.governance.urls")),
    path("outcomes/", include("escapevelocity.outcomes.urls")),
    path("maturity/", include("escapevelocity.maturity.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
