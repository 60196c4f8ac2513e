"""Every refusal of the API is JSON with one Indonesian sentence: ``{"detail": "…"}``.

DRF's own messages are replaced by ours, so that an answer reads the same whatever
DRF's translations say; a 404 never tells another agency's object from a missing one."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions


def handler(exc, context):
    # Here, not at the top: the authentication (imported by DRF's settings while
    # rest_framework.views loads) uses ``refuse`` from this module.
    from rest_framework.views import exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a real fault: Django's 500, logged
    detail = message(exc)
    if detail is not None:
        response.data = {"detail": detail}
    return response


def message(exc):
    if _ours(exc):
        return str(exc.detail[0] if isinstance(exc.detail, list) else exc.detail)
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        return _("Sertakan token API: header “Authorization: Bearer <token>”.")
    if isinstance(exc, exceptions.NotFound):
        return _("Tidak ditemukan.")
    if isinstance(exc, exceptions.MethodNotAllowed):
        return _("API ini hanya untuk dibaca: pakai GET.")
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return ngettext(
            "Terlalu banyak permintaan dengan token ini. Coba lagi dalam %(seconds)d detik.",
            "Terlalu banyak permintaan dengan token ini. Coba lagi dalam %(seconds)d detik.",
            wait,
        ) % {"seconds": wait}
    if isinstance(exc, exceptions.NotAcceptable):
        return _("API ini hanya menjawab JSON (dan PDF atau berkas rekap pada alamat unduhannya).")
    if isinstance(exc, exceptions.PermissionDenied):
        return _("Token ini tidak boleh membuka alamat ini.")
    if isinstance(exc, exceptions.ValidationError):
        return _("Parameter tidak sah.")
    if isinstance(exc, exceptions.APIException):
        return _("Permintaan tidak dapat dilayani.")
    return None


def _ours(exc):
    """A message the API wrote itself (marked), not DRF's default."""
    return getattr(exc, "ours", False)


def refuse(exc_class, text):
    """``exc_class(text)`` whose text the handler keeps."""
    exc = exc_class(text)
    exc.ours = True
    return exc
