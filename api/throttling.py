"""How often one token may ask: ``API_RATE_LIMIT`` (e.g. ``600/min``), counted per
token in the shared cache (Redis; during an outage per process, like the other limits)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api_token"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # refused before it costs anything
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
