"""Writing the audit trail: one call per thing that happened; never updated.

Every view, admin action and job that shows, hands out or changes personal data
calls :func:`record` once::

    record(request, AuditEvent.Action.DOWNLOAD, ceremony, POSTER, title=ceremony.title)

The trail sits below the apps that write to it: it knows models only by their
attributes (``agency_id``, ``ceremony``, ``invitation``), never by import.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from audit.models import AuditEvent
from netralitas.lib.http import client_ip
from netralitas.lib.text import strip_hidden

DESCRIPTION_LENGTH = 500
# How an object reaches its agency: directly, through its ceremony, or through its invitation.
AGENCY_PATHS = (
    "agency_id",
    "ceremony.agency_id",
    "invitation.ceremony.agency_id",
    "signature.invitation.ceremony.agency_id",
)


@dataclass(frozen=True)
class Bulk:
    """What an action on many objects of one kind is about (an import, an export,
    units added at once): the agency and the model."""

    agency: object
    model: type


def record(request, action, target, message, /, **params):
    """Append an event: ``request.user`` did ``action`` on ``target``.

    ``target`` is a model instance (its type and id are recorded and its agency
    worked out), a :class:`Bulk`, or ``None`` for an action about nothing in
    particular. ``message`` is a ``gettext_lazy`` string whose ``%(name)s``
    placeholders are filled from ``params``; it is stored in Indonesian whatever
    the page language (:func:`describe`), without hidden characters (a file name or
    a filter typed with a NUL or a direction override must not mislead the trail)."""
    user = request.user if request.user.is_authenticated else None
    return record_for(user, client_ip(request), action, target, message, **params)


def record_for(user, ip_address, action, target, message, /, *, actor_name=None, **params):
    """:func:`record` for work done outside a request — a background job, a command:
    ``user`` (or ``None`` and an ``actor_name`` saying what did it) from ``ip_address``."""
    if isinstance(target, Bulk):
        agency_id, object_type, object_id = _pk(target.agency), target.model._meta.model_name, ""
    elif target is not None:
        agency_id, object_type = agency_id_of(target), target._meta.model_name
        object_id = "" if target.pk is None else str(target.pk)
    else:
        agency_id, object_type, object_id = None, "", ""
    return AuditEvent.objects.create(
        user=user,
        username=user.get_username() if user else (actor_name or ""),
        agency_id=agency_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        description=strip_hidden(describe(message, **params))[:DESCRIPTION_LENGTH],
        ip_address=ip_address,
    )


def object_type_names():
    """``{"ceremony": "apel", "employee": "pegawai", …}``: the recorded object types
    (model names) as people say them, in Indonesian (documents are)."""
    from django.apps import apps

    with translation.override(settings.LANGUAGE_CODE):
        return {model._meta.model_name: str(model._meta.verbose_name) for model in apps.get_models()}


def describe(message, **params):
    """``message % params`` in the site's language (Indonesian), whatever language
    the page was in: the trail is evidence and reads the same for everyone."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


def agency_id_of(obj):
    """The id of the agency ``obj`` belongs to, or ``None``.

    An agency record itself belongs to none: the trail's reference to an agency
    protects it from deletion for ever, and an agency created by mistake in the admin
    must stay deletable while nothing else refers to it. Events about an agency name
    it by type, id and description (and only administrators read them)."""
    if obj._meta.label_lower == AuditEvent._meta.get_field("agency").related_model._meta.label_lower:
        return None
    for path in AGENCY_PATHS:
        target = obj
        for name in path.split("."):
            target = getattr(target, name, None)
            if target is None:
                break
        if target is not None:
            return target
    return None


def _pk(agency):
    return getattr(agency, "pk", agency)
