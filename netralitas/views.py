"""Pages of the project itself: errors, the rate-limit answer, the health check."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

# URL namespaces of the pages people reach without an account (signing, apel,
# verification): their answers use the public layout, with no staff menu.
PUBLIC_NAMESPACES = {"pledges"}


def ratelimited(request, exception):
    """Answer for a client that tried too often: 429, in Indonesian, in the layout of
    the page it came from — a signer at the apel gets the public page and a way back."""
    match = getattr(request, "resolver_match", None)
    public = match is not None and match.namespace in PUBLIC_NAMESPACES
    # A limit counted over a longer window says how long is left (``wait_seconds``);
    # the per-minute limits of the decorators wait at most a minute.
    minutes = max(1, -(-getattr(exception, "wait_seconds", 60) // 60))
    # One sentence: the page shows nothing else about it.
    message = ngettext(
        "Terlalu banyak percobaan dari jaringan ini: tunggu %(minutes)s menit, lalu coba lagi.",
        "Terlalu banyak percobaan dari jaringan ini: tunggu %(minutes)s menit, lalu coba lagi.",
        minutes,
    ) % {"minutes": minutes}
    return render(
        request, "ratelimited_public.html" if public else "ratelimited.html", {"message": message}, status=429
    )


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)


def csrf_failure(request, reason=""):
    """A form sent without its security token (cookies off, or a page left open very long)."""
    return render(request, "csrf_failure.html", status=403)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
