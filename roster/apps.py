from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roster"
    verbose_name = _("Instansi dan pegawai")

    def ready(self):
        from roster import exports, imports  # noqa: F401 — they declare this app's job kinds (jobs.kinds)
