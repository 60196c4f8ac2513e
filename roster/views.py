from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from roster.models import Agency


@require_GET
def logo(request, pk):
    """An agency's logo for its letterhead on public pages (coats of arms are public)."""
    agency = get_object_or_404(Agency, pk=pk)
    if not agency.logo:
        raise Http404
    response = FileResponse(agency.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    return response
