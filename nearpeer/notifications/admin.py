from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "category", "created_at", "read_at", "emailed_at"]
    list_filter = ["category"]
    search_fields = ["title", "recipient__email", "recipient__name"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["member", "quiet_start", "quiet_end", "updated_at"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
