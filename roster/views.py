"""The secretariat's roster pages: employees (list, import, export) and units."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from roster.access import operator_required
from roster.models import Agency, Employee, Unit


@require_GET
def logo(request, pk):
    """An agency's logo for its letterhead on public pages (coats of arms are public)."""
    agency = get_object_or_404(Agency, pk=pk)
    if not agency.logo:
        raise Http404
    response = FileResponse(agency.logo.open("rb"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


@operator_required
def employees(request):
    """The agency's roster, searchable by name or NIP, filterable by unit."""
    employees = Employee.objects.visible_to(request.user).select_related("unit").order_by("name")
    query = request.GET.get("q", "").strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        condition = Q(name__icontains=query)
        if len(digits) >= 4:
            condition |= Q(nip__contains=digits) | Q(nik__contains=digits)
        employees = employees.filter(condition)
    unit_id = request.GET.get("unit", "")
    if unit_id.isdigit():
        employees = employees.filter(unit_id=unit_id)
    page = Paginator(employees, 50).get_page(request.GET.get("halaman"))
    units = Unit.objects.filter(agency=request.agency).order_by("name")
    return render(request, "roster/employees.html", {"page": page, "units": units, "query": query, "unit_id": unit_id})


@operator_required
def units(request):
    units = Unit.objects.filter(agency=request.agency).select_related("parent").order_by("name")
    return render(request, "roster/units.html", {"units": units})
