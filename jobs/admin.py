from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from jobs.models import Job, WorkerHeartbeat


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Jobs are looked at, never edited: their files are reached from the owner's page."""

    list_display = ("created_at", "kind", "title", "username", "agency", "status", "done", "total")
    list_filter = ("kind", "status", "agency")
    search_fields = ("title", "username")
    exclude = ("file",)


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at")
