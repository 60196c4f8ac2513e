"""Request helpers shared by the public pages."""

import threading

import requests
from django.conf import settings
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify

FILE_SLUG_LENGTH = 60


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


def file_slug(text, fallback, limit=FILE_SLUG_LENGTH):
    """``Badan Kepegawaian & Pengembangan SDM`` → ``badan-kepegawaian-pengembangan-sdm``:
    a name as part of a download's file name — ASCII, at most ``limit`` characters, cut
    between words; ``fallback`` when nothing of it is left."""
    slug = slugify(text)
    if len(slug) > limit:
        slug = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[: limit + 1] else slug[:limit]
    return slug.strip("-") or fallback


def attachment(data, content_type, filename, inline=False):
    """A download response with a proper (RFC 6266) file name."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response


_local = threading.local()


def thread_session():
    """This thread's ``requests.Session``: keep-alive connections for the outgoing calls
    made from worker thread pools (webhooks, BSrE) — a session is not shared between threads."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session
