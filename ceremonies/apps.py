from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CeremoniesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ceremonies"
    verbose_name = _("Apel dan undangan")
