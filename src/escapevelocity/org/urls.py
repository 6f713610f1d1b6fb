from django.urls import path

from escapevelocity.org import views

app_name = "org"
urlpatterns = [
    path("", views.index, name="index"),
    path("company/", views.company_edit, name="company_edit"),
    path("units/new/", views.unit_new, name="unit_new"),
    path("units/<slug:key>/", views.unit_edit, name="unit_edit"),
    path("people/new/", views.person_new, name="person_new"),
    path("memberships/new/", views.membership_new, name="membership_new"),
    path(
        "memberships/<int:membership_id>/remove/", views.membership_delete, name="membership_delete"
    ),
]
