from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The read API for the agency's own systems (``/api/v1/``) and its tokens."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("API")

    def ready(self):
        from api import schema  # noqa: F401 — the token's description in the OpenAPI document
