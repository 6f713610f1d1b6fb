from django.urls import path

from escapevelocity.demand import views

app_name = "demand"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/submit/", views.request_submit, name="request_submit"),
    path("requests/<int:pk>/comment/", views.request_comment, name="request_comment"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/move/", views.request_move, name="request_move"),
    path("requirements/", views.requirements, name="requirements"),
    path("requirements/<slug:key>/edit/", views.requirements_edit, name="requirements_edit"),
    path("playbooks/", views.playbooks, name="playbooks"),
    path("playbooks/new/", views.playbook_edit, name="playbook_new"),
    path("playbooks/<slug:slug>/", views.playbook, name="playbook"),
    path("playbooks/<slug:slug>/edit/", views.playbook_edit, name="playbook_edit"),
    path("risk/", views.risk, name="risk"),
    path("settings/", views.settings_view, name="settings"),
]
