from django.contrib import admin

from escapevelocity.care.models import AgentStatus, Channel, Queue, SlaPolicy


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "min_priority", "first_response_minutes", "resolution_minutes"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["unit", "auto_assign", "business_hours"]


@admin.register(AgentStatus)
class AgentStatusAdmin(admin.ModelAdmin):
    list_display = ["user", "available", "capacity", "last_assigned_at"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "account"]
