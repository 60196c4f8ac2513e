"""``Authorization: Bearer <token>``: the only way into the API.

A staff session cookie is not enough: the API is for the agency's systems, each
with a token of its own that can be revoked without touching anyone's account, and
a page open in a browser must not lend its session to a script (no CSRF question
arises when cookies open nothing)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.errors import refuse
from api.models import ApiToken, token_prefix

NO_TOKEN = _("Sertakan token API: header “Authorization: Bearer <token>”.")
BAD_TOKEN = _("Token API tidak dikenal, sudah dicabut, atau sudah kedaluwarsa.")
INACTIVE = _("Token API ini milik auditor yang tidak aktif lagi.")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        keyword, _space, token = header.partition(" ")
        if keyword.lower() != self.keyword.lower() or not token.strip():
            raise refuse(exceptions.AuthenticationFailed, NO_TOKEN)
        token = token.strip()
        prefix = token_prefix(token)
        found = None
        if prefix is not None:
            found = ApiToken.objects.usable().select_related("agency", "auditor__user").filter(prefix=prefix).first()
        if found is None or not found.matches(token):
            raise refuse(exceptions.AuthenticationFailed, BAD_TOKEN)
        if found.auditor_id is not None:
            user = found.auditor.user
            if not user.is_active:
                raise refuse(exceptions.AuthenticationFailed, INACTIVE)
            return user, found
        return AnonymousUser(), found

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
