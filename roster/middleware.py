"""Show an operator's pages in the operator's agency time zone (WIB, WITA or WIT),
so that dates on pages and the times typed into forms mean the agency's clock."""

import zoneinfo

from django.utils import timezone

from roster.access import staff_profile


class AgencyTimezoneMiddleware:
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
