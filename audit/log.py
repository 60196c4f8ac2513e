"""Writing the audit trail. One call per thing that happened; never updated."""

from django.conf import settings
from django.utils import translation

from audit.models import AuditEvent
from netralitas.lib.http import client_ip


def record(request, action, *, agency, description, obj=None, object_type=None):
    """Append an event: who (``request.user``) did ``action`` on ``obj`` of ``agency``."""
    user = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user else "",
        agency=agency,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        description=description[:500],
        ip_address=client_ip(request),
    )


def describe(message, **params):
    """A description for the trail in the site's language (Indonesian), whatever
    language the page was in: the trail is evidence and reads the same for everyone.
    ``message`` is a ``gettext_lazy`` string with ``%(name)s`` placeholders."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params
