"""Which addresses an endpoint may have: HTTPS, and a loopback address only where the
settings allow it (``WEBHOOK_ALLOW_LOOPBACK=1``: tests, a receiver on the same machine)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def is_loopback(host):
    host = (host or "").lower().rstrip(".")
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint_url(value):
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise ValidationError(_("Alamat webhook tidak dapat dibaca."), code="invalid") from None
    if not host:
        raise ValidationError(_("Alamat webhook harus berisi nama server."), code="invalid")
    if parts.username or parts.password:
        raise ValidationError(
            _("Alamat webhook tidak boleh berisi nama pengguna atau kata sandi; penerima memeriksa tanda tangannya."),
            code="credentials",
        )
    if is_loopback(host):
        if not settings.WEBHOOK_ALLOW_LOOPBACK:
            raise ValidationError(
                _("Alamat loopback (localhost, 127.0.0.1) hanya boleh bila WEBHOOK_ALLOW_LOOPBACK=1."),
                code="loopback",
            )
        if parts.scheme not in ("http", "https"):
            raise ValidationError(_("Alamat webhook harus memakai HTTPS."), code="https")
        return
    if parts.scheme != "https":
        raise ValidationError(_("Alamat webhook harus memakai HTTPS."), code="https")
