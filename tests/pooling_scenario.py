"""The app's database work through PgBouncer in transaction mode, run by
``tests/test_pgbouncer.py`` in a process of its own (``python -m
tests.pooling_scenario``) with ``DATABASE_URL`` pointing at the pooler and
``DATABASE_TRANSACTION_POOLING=1``, beside a real ``db_worker`` on the same pooler.

An apel of a few thousand invitations — more than one chunk of every chunked read
(``netralitas.lib.chunks``) — then, through the test client: a signing POST whose
PDF the worker makes; the Inspektorat's ZIP; a recap and an invitation export made
by the worker; the roster import (COPY) and ``check_storage``. Prints one line of
JSON with what it saw; any failure is a traceback and exit status 1."""

import base64
import csv
import io
import json
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import django

ROWS = 4100  # three chunks of 2,000
NEW_EMPLOYEES = 300


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not done within {timeout} s")


def finished_job(client, response):
    """The job a POST started, once the worker has finished it, and its file's bytes."""
    from django.urls import reverse

    from jobs.models import Job

    assert response.status_code == 302, response.status_code
    job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    job = wait_for(lambda: Job.objects.filter(pk=job.pk, status__in=["done", "failed"]).first())
    assert job.status == "done", job.message
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200, download.status_code
    return b"".join(download.streaming_content)


def csv_rows(data):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def main():
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from pledges.models import PactDocument, Signature
    from pledges.pdf.certificates import create_dev_certificate
    from roster.models import Employee, StaffProfile
    from tests import factories
    from tests.inspektorat.conftest import bulk_sign, invite

    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    agency = factories.agency(name="Pemerintah Kota Uji Pooler", short_name="Pemkot Uji")
    create_dev_certificate(agency)
    ceremony = factories.ceremony(agency, title="Apel lewat PgBouncer")
    units = [factories.unit(agency, "Sekretariat Daerah"), factories.unit(agency, "Dinas Kesehatan")]
    invitations = invite(ceremony, ROWS // 2, unit=units[0], name="Pegawai A")
    invitations += invite(ceremony, ROWS - ROWS // 2, unit=units[1], name="Pegawai B")
    bulk_sign(invitations[1:])

    # A signing POST, as a phone sends it; the worker makes its PDF.
    first = invitations[0]
    signer = Client()
    response = signer.post(
        reverse("pledges:sign", args=[first.token]),
        {
            "signature": "data:image/png;base64," + base64.b64encode(factories.signature_png()).decode(),
            "agree": "on",
            **factories.shown_fields(first),
        },
    )
    assert response.status_code == 302, response.status_code
    signature = Signature.objects.get(invitation=first)
    wait_for(lambda: PactDocument.objects.filter(signature=signature).exists())

    auditor = Client()
    auditor.force_login(factories.user("inspektur", role=StaffProfile.Role.AUDITOR, supervised=[agency]))
    response = auditor.get(reverse("inspektorat:ceremony_zip", args=[ceremony.pk]))
    assert response.status_code == 200, response.status_code
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    manifest = csv_rows(archive.read("manifest.csv"))
    pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]

    recap = csv_rows(finished_job(auditor, auditor.post(reverse("inspektorat:recap_table", args=[ceremony.pk, "csv"]))))
    operator = Client()
    operator.force_login(factories.user("operator", role=StaffProfile.Role.OPERATOR, agency=agency))
    export = csv_rows(
        finished_job(operator, operator.post(reverse("ceremonies:invitations_export", args=[ceremony.pk, "csv"])))
    )

    # The roster import writes its new rows with COPY, inside its transaction.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pegawai.csv"
        lines = ["NIP,NIK,Nama,Jenis Kepegawaian,Pangkat/Golongan,Jabatan,Unit Kerja"]
        lines += [f"{factories.nip()},,Pegawai Baru {n:04d},PNS,,,Dinas Kesehatan" for n in range(NEW_EMPLOYEES)]
        path.write_text("\n".join(lines) + "\n")
        call_command("import_roster", str(agency.pk), str(path), stdout=io.StringIO())
    storage = io.StringIO()
    call_command("check_storage", stdout=storage)
    # Django set UTC on its connection once; every transaction since ran in it.
    with connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        (time_zone,) = cursor.fetchone()

    print(
        json.dumps(
            {
                "zip_manifest": len(manifest) - 1,
                "zip_pdfs": len(pdfs),
                "recap": len(recap) - 1,
                "export": len(export) - 1,
                "employees": Employee.objects.filter(agency=agency).count(),
                "check_storage": storage.getvalue().strip().splitlines()[-1],
                "time_zone": time_zone,
            }
        )
    )


if __name__ == "__main__":
    try:
        main()
    except Exception:
        import traceback

        traceback.print_exc()
        sys.exit(1)
