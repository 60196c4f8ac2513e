"""What the Inspektorat's pages show and refuse beyond who may open them (that is the
shared matrix, tests/test_access.py): units of another agency, lists, GET only."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from audit.log import Bulk, record
from audit.models import AuditEvent
from pledges.pdf.certificates import create_dev_certificate
from roster.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_world(world, sign):
    """The two-agency world with one signed pact (and its PDF) in each ceremony."""
    for agency in (world.agency_a, world.agency_b):
        create_dev_certificate(agency)
    world.signature_a = sign(world.invitations_a[0], pdf=True)
    world.signature_b = sign(world.invitations_b[0], pdf=True)
    return world


def urls_for(world, side):
    """Every URL of the audit app that names an object, for agency ``side`` ("a" or "b")."""
    ceremony = getattr(world, f"ceremony_{side}")
    unit = getattr(world, f"unit_{side}")
    signature = getattr(world, f"signature_{side}")
    return {
        "ceremony": reverse("inspektorat:ceremony", args=[ceremony.pk]),
        "ceremony_zip": reverse("inspektorat:ceremony_zip", args=[ceremony.pk]),
        "unit_zip": reverse("inspektorat:unit_zip", args=[ceremony.pk, unit.pk]),
        "recap_pdf": reverse("inspektorat:recap_pdf", args=[ceremony.pk]),
        "recap_xlsx": reverse("inspektorat:recap_table", args=[ceremony.pk, "xlsx"]),
        "recap_csv": reverse("inspektorat:recap_table", args=[ceremony.pk, "csv"]),
        "pact_pdf": reverse("inspektorat:pact_pdf", args=[signature.pk]),
    }


OBJECT_VIEWS = ["ceremony", "ceremony_zip", "unit_zip", "recap_pdf", "recap_xlsx", "recap_csv", "pact_pdf"]


def get(client, url):
    response = client.get(url)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # finish a streamed download, as a browser would
    return response.status_code


def test_unit_of_another_agency_is_a_404_even_for_an_auditor_of_both(client, signed_world):
    world = signed_world
    client.force_login(world.auditor_ab)
    url = reverse("inspektorat:unit_zip", args=[world.ceremony_a.pk, world.unit_b.pk])
    assert client.get(url).status_code == 404


def test_index_lists_only_supervised_ceremonies(client, world):
    client.force_login(world.auditor_a)
    page = client.get(reverse("inspektorat:index")).content.decode()
    assert world.ceremony_a.title in page
    assert world.ceremony_b.title not in page
    client.force_login(world.auditor_ab)
    page = client.get(reverse("inspektorat:index")).content.decode()
    assert world.ceremony_a.title in page and world.ceremony_b.title in page
    # Filter by one agency.
    page = client.get(reverse("inspektorat:index"), {"instansi": world.agency_b.pk}).content.decode()
    assert world.ceremony_b.title in page and world.ceremony_a.title not in page


def test_auditors_change_nothing(client, signed_world):
    """Every audit page answers GET only; a POST is refused and writes nothing. The
    only POSTs are the ones that start a download job (recaps, the trail export)."""
    world = signed_world
    client.force_login(world.auditor_a)
    before = AuditEvent.objects.count()
    starts = {"recap_pdf", "recap_xlsx", "recap_csv"}
    for url in [
        reverse("inspektorat:index"),
        reverse("inspektorat:trail"),
        *(url for name, url in urls_for(world, "a").items() if name not in starts),
    ]:
        assert client.post(url).status_code == 405, url
    for name in ("recap_xlsx", "recap_csv"):
        assert client.get(urls_for(world, "a")[name]).status_code == 405
    assert client.get(reverse("inspektorat:trail_export", args=["csv"])).status_code == 405
    assert AuditEvent.objects.count() == before


def test_trail_shows_only_supervised_agencies(client, world):
    request = RequestFactory().get("/")
    request.user = world.operator_a
    record(request, AuditEvent.Action.UPDATE, Bulk(world.agency_a, Unit), "Perubahan di Bukittinggi")
    request.user = world.operator_b
    record(request, AuditEvent.Action.UPDATE, Bulk(world.agency_b, Unit), "Perubahan di Bandung")
    client.force_login(world.auditor_a)
    page = client.get(reverse("inspektorat:trail")).content.decode()
    assert "Perubahan di Bukittinggi" in page and "Perubahan di Bandung" not in page
    # Choosing another agency in the filter is refused, not obeyed.
    page = client.get(reverse("inspektorat:trail"), {"agency": world.agency_b.pk}).content.decode()
    assert "Perubahan di Bandung" not in page
    client.force_login(world.auditor_ab)
    page = client.get(reverse("inspektorat:trail")).content.decode()
    assert "Perubahan di Bukittinggi" in page and "Perubahan di Bandung" in page
