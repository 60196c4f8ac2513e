"""Staff pages of the retention schedule: the berita acara pemusnahan of the agencies a
user may see — an operator its own, an auditor those it supervises — and their download,
each PDF handed out only when it still has its recorded SHA-256, and recorded in the trail."""

import io

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from audit.log import record
from audit.models import AuditEvent
from pledges.evidence import read, stored_bytes
from pledges.models import Destruction
from roster.access import is_auditor, is_operator, role_required
from roster.models import Agency

BERITA_ACARA_TAKEN = _("Mengunduh berita acara pemusnahan %(number)s")

staff_required = role_required(lambda user: is_operator(user) or is_auditor(user))


def _destructions_for_user(user):
    return Destruction.objects.filter(agency__in=Agency.objects.visible_to(user)).select_related("agency")


@staff_required
def destructions(request):
    """Every berita acara pemusnahan the user may read, newest first."""
    return render(request, "privacy/destructions.html", {"destructions": _destructions_for_user(request.user)[:500]})


@staff_required
def berita_acara(request, pk):
    """One berita acara's sealed PDF; 404 for one of an agency the user may not see."""
    destruction = _destructions_for_user(request.user).filter(pk=pk).first()
    if destruction is None:
        raise Http404
    reading = read(stored_bytes(default_storage, destruction.file.name), destruction.sha256)
    if reading.data is None:
        return render(request, "privacy/berita_acara_missing.html", {"destruction": destruction}, status=404)
    record(request, AuditEvent.Action.DOWNLOAD, destruction, BERITA_ACARA_TAKEN, number=destruction.number)
    filename = f"berita-acara-pemusnahan-{destruction.number.replace('/', '-')}.pdf"
    response = FileResponse(io.BytesIO(reading.data), content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
