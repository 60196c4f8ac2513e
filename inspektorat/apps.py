from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspektoratConfig(AppConfig):
    """The Inspektorat's pages: who signed and who did not, the signed PDFs, the
    recaps and the audit trail. Read-only; it writes only to the trail."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "inspektorat"
    verbose_name = _("Inspektorat")

    def ready(self):
        from inspektorat import exports  # noqa: F401 — they declare this app's job kinds (jobs.kinds)
