"""Who may use which staff page, and which objects.

The decorators decide the role (403 otherwise). Objects are found through their
QuerySet's ``visible_to(user)``; one object through a ``*_for_user(user, pk)``
helper, which answers 404 for anything the user may not see — another agency's id
looks exactly like a missing one. ``request.agency`` (an operator's agency) is
only for what the operator creates.
"""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.cache import add_never_cache_headers

from roster.models import Employee, Unit


def staff_profile(user):
    return getattr(user, "staff_profile", None) if user.is_authenticated else None


def is_operator(user):
    profile = staff_profile(user)
    return bool(profile and profile.is_operator and user.is_active)


def is_auditor(user):
    """Auditors, and system administrators, who may read every agency."""
    profile = staff_profile(user)
    return bool(user.is_active and (user.is_superuser or (profile and profile.is_auditor)))


def role_required(allowed, *, own_agency=False):
    """A decorator for the pages of one staff role: signed in, ``allowed(user)`` or 403,
    never cached on the way (``Cache-Control: no-store``); with ``own_agency``, the
    user's agency is ``request.agency`` (where what an operator creates belongs)."""

    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request.user):
                raise PermissionDenied
            if own_agency:
                request.agency = request.user.staff_profile.agency
            return _not_stored(view(request, *args, **kwargs))

        return wrapped

    return decorator


# The secretariat's pages: an operator of one agency (``request.agency``).
operator_required = role_required(is_operator, own_agency=True)
# The Inspektorat's read-only pages.
auditor_required = role_required(is_auditor)


def _not_stored(response):
    """Staff pages and downloads carry personal links, codes and NIPs: no browser
    cache or proxy may keep a copy (``Cache-Control: no-store``), e.g. on a shared
    office computer. A view that decided its own caching keeps it."""
    if not response.has_header("Cache-Control"):
        add_never_cache_headers(response)
    return response


def employee_for_user(user, pk):
    return get_object_or_404(Employee.objects.visible_to(user).select_related("agency", "unit"), pk=pk)


def unit_for_user(user, pk):
    return get_object_or_404(Unit.objects.visible_to(user).select_related("agency"), pk=pk)
