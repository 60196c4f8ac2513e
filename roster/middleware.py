"""Middleware of the staff side: an operator's pages in the agency's time zone, and
the cookie of a browser that signed in (the sign-in limits know it)."""

import zoneinfo

from django.conf import settings
from django.utils import timezone

from roster.access import staff_profile
from roster.login_limits import KNOWN_BROWSER_COOKIE, KNOWN_BROWSER_DAYS


class AgencyTimezoneMiddleware:
    """Show an operator's pages in the operator's agency time zone (WIB, WITA or WIT),
    so that dates on pages and the times typed into forms mean the agency's clock."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        profile = staff_profile(request.user)
        if profile is not None and profile.is_operator and profile.agency_id:
            timezone.activate(zoneinfo.ZoneInfo(profile.agency.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class KnownBrowserMiddleware:
    """Sets the cookie by which a browser that signed in to an account is known to
    the sign-in limits (``roster.login_limits``): a sign-in has no other place that
    sees both the staff login's and the admin login's response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        value = getattr(request, "known_browser_cookie", None)
        if value is not None:
            response.set_cookie(
                KNOWN_BROWSER_COOKIE,
                value,
                max_age=KNOWN_BROWSER_DAYS * 24 * 3600,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
