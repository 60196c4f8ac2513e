from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db import apps as tasks_db_apps


class JobsConfig(AppConfig):
    default = True  # this module holds two configurations; "jobs" is this one
    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = _("Pekerjaan latar belakang")

    def ready(self):
        from jobs.monitoring import check_workers
        from netralitas import monitoring

        monitoring.register("workers", check_workers)


class TasksDatabaseConfig(tasks_db_apps.TasksAppConfig):
    """django-tasks-db, whose admin section would read "Tasks Database Backend"."""

    default = False
    verbose_name = _("Antrean tugas latar")
