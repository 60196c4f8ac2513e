"""Benchmark: the documents that grow with an apel, made by the background jobs, on
PostgreSQL.

    make bench-documents                               # 10,000 link cards, 40,000-name recap
    make bench-documents BENCH_ARGS="--sheets 2000 --recap 5000"

On a throw-away database (``BENCH_DATABASE_URL``, see bench/harness.py): an agency
of 40 units, a ceremony of ``--recap`` invitations (90 % signed) and one of
``--sheets``. Each job runs in a fresh process, as a worker runs it, which reports
its time and its own peak memory (``ru_maxrss``); the floor, in the same run, is a
process that only starts Django with the same libraries, and reading the same
rows from the database without writing anything. Targets: link sheets for 10,000
≤ 60 s and ≤ 300 MB; recap PDF of 40,000 names ≤ 120 s and ≤ 500 MB; recap xlsx
of 40,000 rows ≤ 5 s. The PDFs are checked (pages, the last name, the signature
block) by reading them back. Not part of the test suite.
"""

import argparse

from harness import baseline_peak_mb, django_on_throwaway_database, run_job_in_fresh_process, timed

SIGNER = {
    "name": "Drs. Ahmad Fauzi, M.Si.",
    "position": "Inspektur Provinsi",
    "nip": "19700101 199503 1 002",
    "place": "Padang",
    "date": "26 September 2024",
}


def populate(agency, ceremony, count, units):
    """``count`` employees spread over ``units``, invited to ``ceremony``."""
    from roster.models import Employee
    from tests.factories import nip

    Employee.objects.bulk_create(
        [
            Employee(
                agency=agency,
                unit=units[n % len(units)],
                nip=nip(ceremony.pk * 100_000 + n + 1),
                name=f"Pegawai Nomor {n + 1:05d}, S.E., M.Si.",
                rank="Penata Muda Tingkat I (III/b)",
                position="Analis Kebijakan Ahli Pertama",
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    return ceremony.invite(agency.employees.all())


def sign_most(ceremony, share=0.9):
    from ceremonies.models import Invitation
    from tests.inspektorat.conftest import bulk_sign

    ids = list(Invitation.objects.filter(ceremony=ceremony).values_list("pk", flat=True))
    chosen = ids[: int(len(ids) * share)]
    for start in range(0, len(chosen), 5000):
        bulk_sign(Invitation.objects.filter(pk__in=chosen[start : start + 5000]))
    return len(chosen)


def xlsxwriter_floor(count, workdir):
    """The library's own cost: ``count`` rows of nine constant strings, constant-memory mode."""
    import xlsxwriter

    row = ["1", "Pegawai Nomor 00001, S.E., M.Si.", "NIP 19850312 200401 1 001", "Dinas Nomor 01", "PNS"]
    row += ["Penata Muda Tingkat I (III/b)", "Sudah", "26 September 2024, 09.14", "AB3K9-XY7QP"]
    workbook = xlsxwriter.Workbook(str(workdir / "floor.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for number in range(1, count + 1):
        for column, value in enumerate(row):
            sheet.write_string(number, column, value)
    workbook.close()


def report(label, seconds, peak, floor_mb, target_s, target_mb=None):
    memory = f"   peak {peak:.0f} MB (floor {floor_mb:.0f} MB)" if peak else ""
    targets = f"   (targets ≤ {target_s} s" + (f", ≤ {target_mb} MB)" if target_mb else ")")
    print(f"  {label:<44} {seconds:7.2f} s{memory}{targets}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sheets", type=int, default=10_000, help="invitees on the link sheets (default 10,000)")
    parser.add_argument("--recap", type=int, default=40_000, help="invitees in the recap (default 40,000)")
    args = parser.parse_args()
    with django_on_throwaway_database() as (url, workdir):
        from django.core.files.storage import default_storage
        from pypdf import PdfReader

        from ceremonies.exports import invitations_export, link_sheets
        from ceremonies.models import Invitation
        from inspektorat.exports import recap_pdf, recap_table
        from inspektorat.queries import recap_rows
        from jobs.engine import start_job
        from jobs.models import Job
        from roster.models import StaffProfile, Unit
        from tests import factories

        agency = factories.agency(name="Pemerintah Provinsi Uji", short_name="Pemprov Uji", place_name="Padang")
        units = Unit.objects.bulk_create([Unit(agency=agency, name=f"Dinas Nomor {n:02d}") for n in range(40)])
        operator = factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=agency)
        auditor = factories.user("inspektur", role=StaffProfile.Role.AUDITOR, supervised=[agency])
        recap_ceremony = factories.ceremony(agency, title="Apel Ikrar Netralitas ASN Provinsi")
        timed(f"setup: {args.recap} invitations", lambda: populate(agency, recap_ceremony, args.recap, units))
        timed("setup: 90 % of them signed", lambda: sign_most(recap_ceremony))
        sheets_ceremony = factories.ceremony(
            agency,
            title="Apel Ikrar Netralitas ASN Kota",
            election=recap_ceremony.election,
            pact_template=recap_ceremony.pact_template,
        )
        ids = list(
            Invitation.objects.filter(ceremony=recap_ceremony).values_list("employee_id", flat=True)[: args.sheets]
        )
        sheets_ceremony.invite(agency.employees.filter(pk__in=ids))
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        floor_mb = baseline_peak_mb(url, workdir)
        print(f"floor: a process with Django, WeasyPrint and ReportLab loaded: peak {floor_mb:.0f} MB", flush=True)

        def read_rows(ceremony):
            return sum(1 for _ in recap_rows(Invitation.objects.filter(ceremony=ceremony), agency))

        _, xlsx_floor = timed(
            f"floor: xlsxwriter alone, {args.recap} rows × 9 strings", lambda: xlsxwriter_floor(args.recap, workdir)
        )
        _, sheet_floor = timed(
            f"floor: read the {args.sheets} rows of the link sheets", lambda: read_rows(sheets_ceremony)
        )
        _, recap_floor = timed(f"floor: read the {args.recap} rows of the recap", lambda: read_rows(recap_ceremony))

        def run(kind, user, params):
            job = start_job(kind=kind, title=kind.name, user=user, agency=agency, params=params, enqueue=False)
            seconds, peak, status, message = run_job_in_fresh_process(job.pk, url, workdir)
            assert status == "done", message
            return Job.objects.get(pk=job.pk), seconds, peak

        print("jobs, each in a fresh process:", flush=True)
        job, seconds, peak = run(
            link_sheets,
            operator,
            {"ceremony": sheets_ceremony.pk, "unit": None, "unsigned_only": False},
        )
        report(f"link sheets, {args.sheets} invitees", seconds, peak, floor_mb, 60, 300)
        with default_storage.open(job.file.name, "rb") as handle:
            pages = len(PdfReader(handle).pages)
        print(f"    {pages} pages, {job.size / 1e6:.1f} MB; ratio to reading the rows: {seconds / sheet_floor:.0f}×")
        assert pages == -(-args.sheets // 8)

        job, seconds, peak = run(
            recap_pdf,
            auditor,
            {"ceremony": recap_ceremony.pk, "format": "pdf", "filters": {}, "signer": SIGNER},
        )
        report(f"recap PDF, every one of {args.recap} names", seconds, peak, floor_mb, 120, 500)
        with default_storage.open(job.file.name, "rb") as handle:
            reader = PdfReader(handle)
            count = len(reader.pages)
            last = reader.pages[-1].extract_text()
            end = " ".join(reader.pages[i].extract_text() for i in range(max(0, count - 3), count))
        print(f"    {count} pages, {job.size / 1e6:.1f} MB; ratio to reading the rows: {seconds / recap_floor:.0f}×")
        assert f"Halaman {count} dari {count}" in last and SIGNER["name"] in last
        assert "Padang, 26 September 2024" in last and f"Pegawai Nomor {args.recap:05d}" in end

        for file_format in ("xlsx", "csv"):
            job, seconds, peak = run(
                recap_table,
                auditor,
                {"ceremony": recap_ceremony.pk, "format": file_format, "filters": {}},
            )
            report(f"recap {file_format}, {args.recap} rows", seconds, peak, floor_mb, 5)
            ratio = seconds / (recap_floor + (xlsx_floor if file_format == "xlsx" else 0))
            floor = "reading the rows" + (" + xlsxwriter alone" if file_format == "xlsx" else "")
            print(f"    {job.result['rows']} rows, {job.size / 1e6:.1f} MB; ratio to {floor}: {ratio:.1f}×")
        job, seconds, peak = run(
            invitations_export,
            operator,
            {"ceremony": recap_ceremony.pk, "format": "xlsx"},
        )
        report(f"invitation export xlsx, {args.recap} rows", seconds, peak, floor_mb, 5)


if __name__ == "__main__":
    main()
