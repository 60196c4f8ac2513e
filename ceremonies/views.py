"""The secretariat's pages for an apel: schedule, invite, run, print."""

from django.shortcuts import render

from ceremonies.models import Ceremony
from roster.access import operator_required


@operator_required
def index(request):
    """The operator's home: the agency's ceremonies with their signing progress."""
    ceremonies = (
        Ceremony.objects.visible_to(request.user).select_related("election", "agency").with_progress()
    )
    return render(request, "ceremonies/index.html", {"ceremonies": ceremonies})
