"""Changes made in the Django admin reach the audit trail through AuditedAdminMixin
(for the ceremony, invitation and roster admins to mix in)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from audit.admin import AuditedAdminMixin
from audit.models import AuditEvent
from roster.models import Employee, Unit

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


def test_real_admins_record_their_changes(client, world, run_jobs):
    """The project's own admin pages (not only the mixin): a ceremony change and a
    roster import through the admin reach the trail."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(world.admin)
    ceremony = world.ceremony_a
    response = client.get(reverse("admin:ceremonies_ceremony_change", args=[ceremony.pk]))
    data = {
        key: value
        for key, value in response.context["adminform"].form.initial.items()
        if value is not None and not isinstance(value, list)
    }
    data.update(
        {
            "agency": ceremony.agency_id,
            "election": ceremony.election_id,
            "pact_template": ceremony.pact_template_id,
            "title": "Apel diubah lewat admin",
            "starts_at_0": "2024-09-26",
            "starts_at_1": "08:00:00",
            "status": "open",
        }
    )
    response = client.post(reverse("admin:ceremonies_ceremony_change", args=[ceremony.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(object_type="ceremony", action=AuditEvent.Action.UPDATE)
    assert event.agency == world.agency_a and "Apel diubah lewat admin" in event.description

    # The admin's import runs the operator's import path: upload, preview job, confirm job.
    upload = SimpleUploadedFile("pegawai.csv", b"NIP,Nama\n19900202 201501 2 003,Baru Lewat Admin\n")
    response = client.post(reverse("admin:roster_employee_import"), {"file": upload, "agency": world.agency_a.pk})
    assert response.status_code == 302
    (preview_job,) = run_jobs()
    assert response["Location"] == preview_job.get_absolute_url()
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    assert 'id="count-new">1<' in preview.content.decode()
    confirm_url = reverse("admin:roster_employee_import_confirm", args=[preview_job.pk])
    assert confirm_url in preview.content.decode()
    assert not Employee.objects.filter(nip="199002022015012003").exists()  # a preview writes nothing
    response = client.post(confirm_url)
    assert response.status_code == 302
    (import_job,) = run_jobs()
    assert response["Location"] == import_job.get_absolute_url()
    assert reverse("admin:roster_employee_changelist") in client.get(response["Location"]).content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert event.agency == world.agency_a
    assert event.username == world.admin.username
    assert "pegawai.csv: 1 baru" in event.description
    assert Employee.objects.get(nip="199002022015012003").agency == world.agency_a
