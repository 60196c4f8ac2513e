"""The Inspektorat's read-only pages."""

from django.core.paginator import Paginator
from django.shortcuts import render

from audit.models import AuditEvent
from ceremonies.models import Ceremony
from roster.access import auditor_required


@auditor_required
def index(request):
    """Ceremonies of the supervised agencies, with their progress."""
    ceremonies = Ceremony.objects.visible_to(request.user).select_related("agency", "election").with_progress()
    return render(request, "audit/index.html", {"ceremonies": ceremonies})


@auditor_required
def trail(request):
    """The audit trail of the supervised agencies, newest first."""
    events = AuditEvent.objects.visible_to(request.user).select_related("agency")
    page = Paginator(events, 50).get_page(request.GET.get("halaman"))
    return render(request, "audit/trail.html", {"page": page})
