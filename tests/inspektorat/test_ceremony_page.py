"""The per-ceremony audit page: who signed (time, code, PDF) and who did not,
filters, totals per unit, paging, and a query count that does not grow."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from pledges.pdf.certificates import create_dev_certificate
from roster.identity import format_nip
from tests import factories
from tests.inspektorat.conftest import bulk_sign, invite, invite_employees

pytestmark = pytest.mark.django_db


def rows(response):
    """The names in the table's body, in order."""
    body = response.content.decode().split("<tbody>")[-1]
    return re.findall(r"<tr>\s*<td>([^<]+)</td>", body)


@pytest.fixture
def auditor_client(client, world):
    client.force_login(world.auditor_a)
    return client


def url(world, **params):
    return reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]), params


def test_signer_and_non_signer_with_time_code_and_pdf(auditor_client, world, sign):
    create_dev_certificate(world.agency_a)
    signed = sign(world.invitations_a[0], pdf=True)
    response = auditor_client.get(*url(world))
    page = response.content.decode()
    signer, non_signer = world.invitations_a[0].employee, world.invitations_a[1].employee
    assert signer.name in page and non_signer.name in page
    assert format_nip(signer.nip) in page
    assert signed.display_code in page
    assert reverse("inspektorat:pact_pdf", args=[signed.pk]) in page
    assert response.context["overall"] == {"invited": 4, "signed": 1, "unsigned": 3, "percent": 25.0}
    # The signing time in the agency's zone (WIB here).
    local = signed.signed_at.astimezone(world.agency_a.tzinfo)
    assert f"{local:%H.%M} WIB" in page


def test_status_filter_finds_the_non_signers(auditor_client, world, sign):
    sign(world.invitations_a[0])
    response = auditor_client.get(*url(world, status="belum"))
    names = rows(response)
    assert world.invitations_a[0].employee.name not in names
    assert sorted(names) == sorted(i.employee.name for i in world.invitations_a[1:])
    assert rows(auditor_client.get(*url(world, status="sudah"))) == [world.invitations_a[0].employee.name]


def test_unit_filter_with_and_without_sub_units(auditor_client, world):
    in_unit = {e.name for e in world.employees_a[:3]}
    in_subunit = {world.employees_a[3].name}
    assert set(rows(auditor_client.get(*url(world, unit=world.unit_a.pk)))) == in_unit
    assert set(rows(auditor_client.get(*url(world, unit=world.unit_a.pk, sub="on")))) == in_unit | in_subunit
    assert set(rows(auditor_client.get(*url(world, unit=world.subunit_a.pk)))) == in_subunit


def test_a_unit_of_another_agency_is_refused_as_a_filter(auditor_client, world):
    response = auditor_client.get(*url(world, unit=world.unit_b.pk))
    assert response.context["form"].errors["unit"]
    assert len(rows(response)) == 4  # ignored, not obeyed


def test_search_by_name_or_nip_digits(auditor_client, world):
    target = world.employees_a[2]
    assert rows(auditor_client.get(*url(world, q=target.name.split(",")[0]))) == [target.name]
    assert rows(auditor_client.get(*url(world, q=format_nip(target.nip)))) == [target.name]
    assert rows(auditor_client.get(*url(world, q=target.nip[-10:]))) == [target.name]
    assert rows(auditor_client.get(*url(world, q="Tidak Ada Orang Ini"))) == []


def test_employment_type_and_rank_filters(auditor_client, world):
    honorer = factories.employee(
        world.agency_a, unit=world.unit_a, employment_type="NON_ASN", nip=None, nik="1371010101900001", rank=""
    )
    senior = factories.employee(world.agency_a, unit=world.unit_a, rank="Pembina Utama Muda (IV/c)")
    invite_employees(world.ceremony_a, [honorer, senior])
    assert rows(auditor_client.get(*url(world, jenis="NON_ASN"))) == [honorer.name]
    response = auditor_client.get(*url(world, pangkat="iv/c"))
    assert rows(response) == [senior.name]
    assert "Pembina Utama Muda (IV/c)" in response.context["ranks"]
    # A non-ASN's NIK is shown by its last four digits only.
    page = auditor_client.get(*url(world, jenis="NON_ASN")).content.decode()
    assert "NIK …0001" in page and "1371010101900001" not in page


def test_totals_per_unit(auditor_client, world, sign):
    sign(world.invitations_a[0])
    sign(world.invitations_a[3])  # the sub-unit's employee
    totals = auditor_client.get(*url(world)).context["totals"]
    # As the unit tree reads: the sub-unit under its unit, indented.
    assert [(t["name"], t["depth"], t["signed"], t["invited"]) for t in totals] == [
        ("Sekretariat Daerah", 0, 1, 3),
        ("Bagian Umum", 1, 1, 1),
    ]


def test_fifty_per_page_in_name_order(auditor_client, world):
    invite(world.ceremony_a, 120, unit=world.unit_a)
    pages = [rows(auditor_client.get(*url(world, halaman=number))) for number in (1, 2, 3)]
    assert [len(names) for names in pages] == [50, 50, 24]
    everyone = [name for names in pages for name in names]
    assert everyone == sorted(everyone) and len(set(everyone)) == 124
    assert auditor_client.get(*url(world)).context["page"].paginator.num_pages == 3
    # The filters stay in the paging links.
    filtered = auditor_client.get(*url(world, status="belum")).content.decode()
    assert "?status=belum&amp;halaman=2" in filtered


def test_viewing_is_recorded_once_per_request(auditor_client, world):
    auditor_client.get(*url(world, status="belum"))
    event = AuditEvent.objects.get()
    assert event.action == AuditEvent.Action.VIEW
    assert event.username == "auditor_a"
    assert event.agency == world.agency_a
    assert event.object_type == "ceremony" and event.object_id == str(world.ceremony_a.pk)
    assert "status=belum" in event.description


def query_count_for_page(client, world):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(*url(world))
    assert response.status_code == 200
    return queries


def test_query_count_does_not_grow_with_the_ceremony(auditor_client, world, django_assert_num_queries):
    small = query_count_for_page(auditor_client, world)
    invitations = invite(world.ceremony_a, 240, unit=world.unit_a)
    for number in range(3):  # more units, more sub-units: still the same queries
        unit = factories.unit(world.agency_a, f"Dinas Uji {number}", parent=world.unit_a)
        invitations += invite(world.ceremony_a, 20, unit=unit)
    bulk_sign(invitations[:150])
    with django_assert_num_queries(len(small)):
        big = query_count_for_page(auditor_client, world)
    assert len(big) == len(small) <= 12
    # The drawn signature (a BinaryField) is never read for a list.
    assert not any('"image"' in query["sql"] for query in big.captured_queries)
