from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiToken


class ReadWithToken(permissions.BasePermission):
    """A valid token (``request.auth``), and reading only: GET, HEAD, OPTIONS."""

    message = _("Sertakan token API: header “Authorization: Bearer <token>”.")

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiToken)
