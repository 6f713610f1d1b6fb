from django.urls import path

from escapevelocity.governance import views

app_name = "governance"
urlpatterns = [
    path("", views.index, name="index"),
    path("accounts/new/", views.account_new, name="account_new"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<int:pk>/approve/", views.account_approve, name="account_approve"),
    path("accounts/<int:pk>/dismiss/", views.account_dismiss, name="account_dismiss"),
    path("accounts/<int:pk>/grants/", views.grant_add, name="grant_add"),
    path(
        "accounts/<int:pk>/grants/<int:grant_id>/revoke/",
        views.grant_revoke,
        name="grant_revoke",
    ),
    path("accounts/<int:pk>/merge/", views.consolidation_new, name="consolidation_new"),
    path("consolidations/", views.consolidations, name="consolidations"),
    path("steps/<int:step_id>/done/", views.step_complete, name="step_complete"),
    path("steps/<int:step_id>/edit/", views.step_edit, name="step_edit"),
    path("discovery/", views.discovery, name="discovery"),
    path("training/", views.training, name="training"),
    path("policy/accept/", views.policy_accept, name="policy_accept"),
    path("audit/", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
    path("settings/", views.settings_edit, name="settings"),
]
