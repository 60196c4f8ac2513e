from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roster"
    verbose_name = _("Instansi dan pegawai")
