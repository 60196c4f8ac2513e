from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Webhook")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from netralitas.lib import events, notices
        from webhooks import outbox

        events.listen(outbox.OUTBOX)
        notices.register(outbox.paused_notices)
