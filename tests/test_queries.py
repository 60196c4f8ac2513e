"""Every list, board and export runs the same number of queries however big the
agency: each is requested at two sizes of the world, and the counts must match.

A page that grows a query per row (an N+1) fails here with both counts and the
queries of the bigger run, so the repeated one is easy to spot.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.log import Bulk, record
from audit.models import AuditEvent
from jobs.models import Job
from roster.models import Unit
from tests import factories
from tests.inspektorat.conftest import bulk_sign, invite

pytestmark = pytest.mark.django_db

PROGRESS_WRITE = 'UPDATE "jobs_job" SET "stage"'
RECAP_SIGNER = {"name": "Inspektur", "position": "Inspektur Kota", "place": "Bukittinggi", "date": "2024-09-26"}

# (who asks, URL name, arguments from the world, query string)
PAGES = [
    ("operator_a", "roster:employees", None, {}),
    ("operator_a", "roster:employees", None, {"q": "Pegawai"}),
    ("operator_a", "roster:units", None, {}),
    ("operator_a", "ceremonies:index", None, {}),
    ("operator_a", "ceremonies:detail", lambda w: [w.ceremony_a.pk], {}),
    ("operator_a", "ceremonies:invite", lambda w: [w.ceremony_a.pk], {"q": "Pegawai"}),
    ("operator_a", "ceremonies:board", lambda w: [w.ceremony_a.pk], {}),
    ("operator_a", "ceremonies:board_data", lambda w: [w.ceremony_a.pk], {}),
    ("operator_a", "ceremonies:unsigned", lambda w: [w.ceremony_a.pk], {}),
    ("auditor_ab", "inspektorat:index", None, {}),
    ("auditor_ab", "inspektorat:ceremony", lambda w: [w.ceremony_a.pk], {}),
    ("auditor_ab", "inspektorat:ceremony", lambda w: [w.ceremony_a.pk], {"status": "sudah", "q": "Pegawai"}),
    ("auditor_ab", "inspektorat:ceremony_zip", lambda w: [w.ceremony_a.pk], {}),
    ("auditor_ab", "inspektorat:unit_zip", lambda w: [w.ceremony_a.pk, w.unit_a.pk], {"sub": "1"}),
    ("auditor_ab", "inspektorat:trail", None, {}),
    ("auditor_ab", "inspektorat:recap_pdf", lambda w: [w.ceremony_a.pk], {}),
    ("operator_a", "jobs:index", None, {}),
]


def grow(world, request_factory, size):
    """``size`` more of everything a list shows: units, employees, invitations,
    signatures, ceremonies and trail events, for agency A."""
    unit = factories.unit(world.agency_a, parent=world.unit_a)
    invitations = invite(world.ceremony_a, size, unit=unit) + invite(world.ceremony_a, size, unit=world.unit_a)
    bulk_sign(invitations[::2])
    factories.ceremony(world.agency_a, title="Apel tambahan", election=world.ceremony_a.election)
    request = request_factory.get("/")
    request.user = world.operator_a
    for number in range(size):
        record(request, AuditEvent.Action.UPDATE, Bulk(world.agency_a, Unit), "Catatan %(n)s", n=number)
        Job.objects.create(kind="roster_export", title=f"Ekspor {number}", user=world.operator_a, status="done")


def count_queries(client, url, query):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, query)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return [entry["sql"] for entry in context.captured_queries]


@pytest.mark.parametrize(
    "who, name, args, query",
    PAGES,
    ids=[f"{name}{'?' + '&'.join(query) if query else ''}" for _, name, _, query in PAGES],
)
def test_queries_do_not_grow_with_the_agency(client, world, rf, sign, who, name, args, query):
    from pledges.pdf.certificates import create_dev_certificate

    create_dev_certificate(world.agency_a)
    sign(world.invitations_a[0], pdf=True)
    url = reverse(name, args=args(world) if args else None)
    client.force_login(getattr(world, who))
    grow(world, rf, 2)  # a few of everything: an empty list may skip a query
    client.get(url, query)  # warm up: sessions, caches, first-time lookups
    small = count_queries(client, url, query)
    grow(world, rf, 30)
    big = count_queries(client, url, query)
    assert len(small) == len(big), f"{len(small)} queries, then {len(big)} with more rows:\n" + "\n".join(big)


# (who starts it, URL name, arguments, POST data): every export, printable and recap
# made in the background runs the same number of queries however many rows it writes.
JOBS = [
    ("operator_a", "roster:export", lambda w: ["csv"], {}),
    ("operator_a", "roster:export", lambda w: ["xlsx"], {}),
    ("operator_a", "ceremonies:link_sheets", lambda w: [w.ceremony_a.pk], {}),
    ("operator_a", "ceremonies:invitations_export", lambda w: [w.ceremony_a.pk, "xlsx"], {}),
    ("auditor_ab", "inspektorat:recap_pdf", lambda w: [w.ceremony_a.pk], RECAP_SIGNER),
    ("auditor_ab", "inspektorat:recap_table", lambda w: [w.ceremony_a.pk, "csv"], {"status": "belum"}),
    ("auditor_ab", "inspektorat:trail_export", lambda w: ["xlsx"], {}),
]


@pytest.mark.parametrize("who, name, args, data", JOBS, ids=[f"{name}-{n}" for n, (_, name, _, _) in enumerate(JOBS)])
def test_jobs_do_not_grow_their_queries_with_the_agency(client, world, rf, sign, who, name, args, data):
    from jobs.models import Job
    from jobs.tasks import execute
    from pledges.pdf.certificates import create_dev_certificate

    create_dev_certificate(world.agency_a)
    sign(world.invitations_a[0], pdf=True)
    client.force_login(getattr(world, who))
    url = reverse(name, args=args(world))

    def run():
        assert client.post(url, data).status_code == 302
        job = Job.objects.filter(status=Job.Status.QUEUED).get()
        with CaptureQueriesContext(connection) as context:
            execute(job.pk)
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        # Progress writes come by the clock (one per PROGRESS_EVERY seconds), not per row.
        return [entry["sql"] for entry in context.captured_queries if not entry["sql"].startswith(PROGRESS_WRITE)]

    grow(world, rf, 2)
    run()  # warm up
    small = run()
    grow(world, rf, 30)
    big = run()
    assert len(small) == len(big), f"{len(small)} queries, then {len(big)} with more rows:\n" + "\n".join(big)
