"""Admin: look, never change. Every governance change goes through the services, which write
the audit log; the audit log itself is read-only for everyone, superusers included."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escapevelocity.governance.models import (
    Account,
    AuditEntry,
    Consolidation,
    TrainingCompletion,
    TrainingModule,
)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """View only: no add, change or delete, and no bulk actions, for anyone, superusers included."""

    list_display = ["at", "actor_name", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_repr"]
    actions = None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Read-only too: every registry change goes through the services, which write the audit
    log. The admin is for looking, the governance pages for changing."""

    list_display = ["handle", "network", "unit", "owner", "status", "last_activity_at"]
    list_filter = ["network", "status"]
    search_fields = ["handle"]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TrainingModule, TrainingCompletion, Consolidation)
class ReadOnlyAdmin(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
