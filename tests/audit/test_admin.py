"""Changes made in the Django admin reach the audit trail through AuditedAdminMixin
(for the ceremony, invitation and roster admins to mix in)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from audit.admin import AuditedAdminMixin
from audit.models import AuditEvent
from roster.models import Unit

pytestmark = pytest.mark.django_db


class AuditedUnitAdmin(AuditedAdminMixin, admin.ModelAdmin):
    fields = ("name", "code")


@pytest.fixture
def model_admin():
    return AuditedUnitAdmin(Unit, admin.AdminSite())


def admin_request(user):
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.9")
    request.user = user
    return request


def test_admin_create_change_and_delete_are_recorded(world, model_admin):
    request = admin_request(world.admin)
    form_class = model_admin.get_form(request)

    form = form_class({"name": "Dinas Baru", "code": "DB"}, instance=Unit(agency=world.agency_a))
    assert form.is_valid(), form.errors
    unit = form.save(commit=False)
    model_admin.save_model(request, unit, form, change=False)

    form = form_class({"name": "Dinas Baru", "code": "DB-2"}, instance=unit)
    assert form.is_valid(), form.errors
    model_admin.save_model(request, form.save(commit=False), form, change=True)

    unit_id = unit.pk
    model_admin.delete_model(request, unit)

    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == [
        AuditEvent.Action.CREATE,
        AuditEvent.Action.UPDATE,
        AuditEvent.Action.DELETE,
    ]
    for event in events:
        assert (event.username, event.agency, event.object_type) == ("admin_x", world.agency_a, "unit")
        assert event.object_id == str(unit_id)
        assert event.ip_address == "10.0.0.9"
    assert "Dinas Baru" in events[0].description
    assert "diubah: code" in events[1].description
    assert "menghapus" in events[2].description
    assert not Unit.objects.filter(pk=unit_id).exists()


def test_bulk_delete_records_each_object(world, model_admin):
    request = admin_request(world.admin)
    units = [Unit.objects.create(agency=world.agency_b, name=f"Unit Hapus {n}") for n in range(3)]
    model_admin.delete_queryset(request, Unit.objects.filter(pk__in=[u.pk for u in units]))
    deleted = AuditEvent.objects.filter(action=AuditEvent.Action.DELETE)
    assert sorted(e.object_id for e in deleted) == sorted(str(u.pk) for u in units)
    assert {e.agency for e in deleted} == {world.agency_b}
