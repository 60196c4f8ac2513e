"""Finding one ceremony for a staff user: 404 for anything the user may not see
(``roster.access`` explains the pattern)."""

from django.shortcuts import get_object_or_404

from ceremonies.models import Ceremony


def ceremony_for_user(user, pk):
    """The ceremony ``pk`` if ``user`` may see it (an operator: its agency's; an
    auditor: the supervised agencies'), with what every page of it shows."""
    return get_object_or_404(
        Ceremony.objects.visible_to(user).select_related("agency", "election", "pact_template"), pk=pk
    )
