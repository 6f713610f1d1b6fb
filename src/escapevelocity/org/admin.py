from django.contrib import admin

from escapevelocity.org.models import ApiToken, Company, Membership, Unit


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "org_model"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "kind", "function", "region", "hub", "archived"]
    list_filter = ["kind", "function", "archived"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "unit", "role", "weekly_hours"]
    list_filter = ["role"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created", "last_used", "revoked"]
    readonly_fields = ["user", "name", "prefix", "digest", "created", "last_used"]

    def has_add_permission(self, request: object) -> bool:
        return False
