from django.urls import path

from escapevelocity.care import views, views_connectors

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("export.csv", views.export, name="export"),
    path("bulk/", views.bulk, name="bulk"),
    path("availability/", views.availability, name="availability"),
    path("c/<int:pk>/", views.conversation, name="conversation"),
    path("c/<int:pk>/assign/", views.assign, name="assign"),
    path("c/<int:pk>/reroute/", views.reroute, name="reroute"),
    path("c/<int:pk>/intent/", views.set_intent, name="intent"),
    path("c/<int:pk>/status/", views.set_status, name="status"),
    path("c/<int:pk>/note/", views.add_note, name="note"),
    path("c/<int:pk>/reply/", views.add_reply, name="reply"),
    path("connectors/", views_connectors.connectors, name="connectors"),
]
