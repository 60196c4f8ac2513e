"""Benchmark: one agency's retention run (``manage.py apply_retention``) destroying the pacts of
a whole apel, on PostgreSQL.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<throw-away> make bench-retention
    make bench-retention BENCH_ARGS="--pacts 2000"

On a throw-away database (bench/harness.py): an agency with a development seal certificate,
an apel of Pemilu 2019 with ``--pacts`` signed pacts, each with a stored PDF (small bytes: the
storage's cost per file, not a real pact's size). Timed: the plan (what has expired) and, as
floors in the same run, reading the same rows and laying out the berita acara alone; then the
whole run — berita acara sealed and stored, tombstones, guarded deletes, files deleted after
the commit. Checked afterwards: no signature, PDF row or file left, one tombstone per pact.
Not part of the test suite.
"""

import argparse
import datetime

from harness import django_on_throwaway_database, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pacts", type=int, default=10_000, help="expired pacts of the apel (default 10,000)")
    args = parser.parse_args()
    with django_on_throwaway_database() as (_url, _workdir):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage
        from django.db import connection

        from pledges.models import DestroyedPact, PactDocument, Signature, sha256_hex
        from pledges.pdf.certificates import create_dev_certificate
        from privacy import retention
        from privacy.berita_acara import berita_acara_pdf
        from tests import factories
        from tests.inspektorat.conftest import bulk_sign, invite

        long_ago = datetime.datetime(2019, 4, 10, 3, 0, tzinfo=datetime.UTC)
        agency = factories.agency(name="Pemerintah Kota Uji", short_name="Pemkot Uji", place_name="Padang")
        create_dev_certificate(agency)
        pemilu = factories.election(short_name="Pemilu 2019", kind="pemilu", voting_date=datetime.date(2019, 4, 17))
        ceremony = factories.ceremony(agency, election=pemilu, starts_at=long_ago, title="Apel Pemilu 2019")

        def setup():
            invitations = invite(ceremony, args.pacts)
            signatures = bulk_sign(invitations, start=long_ago)
            documents = []
            for signature in signatures:
                data = b"%PDF-1.7 pakta " + signature.verification_code.encode()
                name = default_storage.save(f"pacts/{agency.pk}/{ceremony.pk}/{signature.verification_code}.pdf",
                                            ContentFile(data))  # fmt: skip
                documents.append(PactDocument(signature=signature, file=name, sha256=sha256_hex(data), size=len(data)))
            PactDocument.objects.bulk_create(documents, batch_size=1000)

        timed(f"setup: {args.pacts} signed pacts with stored files", setup)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        timed(
            f"floor: read the {args.pacts} signatures with their PDF rows",
            lambda: sum(1 for _ in Signature.objects.select_related("document").defer("image", "text").iterator()),
        )
        plan, _ = timed("plan (what has expired)", lambda: retention.plan(agency))
        assert len(plan.pacts) == args.pacts
        pdf, _ = timed("floor: berita acara alone (laid out and sealed)", lambda: berita_acara_pdf(plan, "PMS/uji"))
        print(f"  berita acara: {len(pdf) / 1024:.0f} KB", flush=True)
        destruction, _ = timed(
            "the whole run (berita acara, tombstones, deletes, files)", lambda: retention.carry_out(plan)
        )
        assert not Signature.objects.exists() and not PactDocument.objects.exists()
        assert DestroyedPact.objects.filter(destruction=destruction).count() == args.pacts
        assert not default_storage.listdir(f"pacts/{agency.pk}/{ceremony.pk}")[1]
        print("checked: no signature, PDF row or file left; one tombstone per pact", flush=True)


if __name__ == "__main__":
    main()
