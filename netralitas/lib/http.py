"""Request helpers shared by the public pages."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header


def client_ip(request):
    """The client's address: REMOTE_ADDR, or — behind our own reverse proxy
    (``TRUSTED_PROXY=1``) — the last address that proxy appended to
    X-Forwarded-For. Earlier entries are client-controlled and never trusted."""
    if settings.TRUSTED_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None


def ratelimit_ip(request):
    """For django-ratelimit (``RATELIMIT_IP_META_KEY``): the same address, never empty."""
    return client_ip(request) or "0.0.0.0"


def attachment(data, content_type, filename, inline=False):
    """A download response with a proper (RFC 6266) file name."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
