from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """The agency's duties under UU PDP that are no page of their own: the breach
    register (in the admin) and its jobs — the persons affected, the letters."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = _("Pelindungan data pribadi")

    def ready(self):
        from privacy import (
            jobs,  # noqa: F401 — they declare this app's job kinds (jobs.kinds)
            retention,  # noqa: F401 — it adds the retention schedule to the data package
        )
