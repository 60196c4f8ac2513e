"""The monitoring endpoint, ``/healthz/status``: is each part the application needs up?

``/healthz`` stays the load balancer's liveness check (the process answers). This one
is for monitoring: the database, the shared cache (Redis), the storage of the signed
PDFs, and what the apps register (``jobs``: the background workers' heartbeats), as
JSON — ``200`` when every part is up, ``503`` when one is down. It names no host,
path, person or secret: a part's status, and for one that is down only the kind of
error.

It answers the machine itself (loopback) and, with ``MONITORING_TOKEN`` set, whoever
sends ``Authorization: Bearer <token>``; anyone else gets a 403.
"""

import hmac
import ipaddress
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from netralitas.lib.http import client_ip

OK, DOWN = "ok", "down"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def check_cache():
    ping = getattr(cache, "ping", None)
    if ping is None:  # no REDIS_URL: this process's memory, which is always there
        return {"shared": False}
    if not ping():
        raise ConnectionError("Redis")
    return {"shared": True}


def check_storage():
    """Write, read back and delete a few bytes where the signed PDFs are kept."""
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as probe:
            if probe.read() != b"ok":
                raise OSError("read back differs")
    finally:
        default_storage.delete(name)
    return {}


# name -> a function that returns the part's details or raises when it is down. The
# project's own parts are here; an app adds its own (``jobs``: the workers).
CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}


def register(name, check):
    CHECKS[name] = check


def _allowed(request):
    token = settings.MONITORING_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    try:
        return ipaddress.ip_address(client_ip(request) or "").is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def status(request):
    """Each part's status as JSON; 503 when one is down (module docstring)."""
    if not _allowed(request):
        detail = _("Status pemantauan hanya untuk mesin ini atau dengan token pemantauan (MONITORING_TOKEN).")
        return JsonResponse({"detail": detail}, status=403)
    parts = {}
    for name, check in CHECKS.items():
        try:
            parts[name] = {"status": OK, **check()}
        except Exception as error:  # a part that is down is the answer, never a 500
            parts[name] = {"status": DOWN, "error": type(error).__name__}
    up = all(part["status"] == OK for part in parts.values())
    return JsonResponse({"status": OK if up else DOWN, "parts": parts}, status=200 if up else 503)
