from django.urls import path

from escapevelocity.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.index, name="index"),
    path("executive/", views.executive, name="executive"),
    path("strategist/", views.strategist, name="strategist"),
    path("units/<slug:key>/", views.unit_view, name="unit"),
    path("metrics/", views.definitions, name="definitions"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("alerts/<int:pk>/items/<int:item_id>/", views.checklist_item, name="checklist_item"),
    path("report/", views.report_page, name="report"),
    path("report/download/", views.report_download, name="report_download"),
    path("settings/", views.settings_view, name="settings"),
]
