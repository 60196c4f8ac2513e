from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ceremonies"
    verbose_name = _("Apel dan undangan")

    def ready(self):
        from ceremonies import exports, reminders  # noqa: F401 — they declare this app's job kinds (jobs.kinds)
