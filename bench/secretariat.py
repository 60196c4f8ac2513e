"""Benchmark: the secretariat's bulk operations at a city's scale.

    make bench-secretariat                       # 10,000 employees
    make bench-secretariat BENCH_ARGS="-n 40000"

Times, on a throw-away SQLite database (or DATABASE_URL if set to PostgreSQL):
the preview (dry run) and the confirmed import of an N-row roster (csv and
xlsx), re-importing the same file (all unchanged), inviting all N employees, and
the live board's numbers with N invitations. Not part of the test suite.
"""

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(workdir):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir / 'bench.sqlite3'}")
    os.environ["NETRALITAS_DATA_DIR"] = str(workdir)
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "netralitas.settings"
    import django

    django.setup()
    from django.core.management import call_command

    if "postgres" in os.environ["DATABASE_URL"]:
        raise SystemExit("Use a throw-away SQLite database: this benchmark writes N employees.")
    call_command("migrate", verbosity=0)


def roster_rows(count):
    from tests.factories import nip

    units = [f"Unit Kerja {n:02d}" for n in range(40)]
    rows = [["NIP", "Nama", "Jenis Kepegawaian", "Pangkat/Golongan", "Jabatan", "Unit Kerja"]]
    for n in range(count):
        rows.append(
            [
                nip(n + 1)[:8] + " " + nip(n + 1)[8:14] + " " + nip(n + 1)[14] + " " + nip(n + 1)[15:],
                f"Pegawai Nomor {n + 1}, S.E.",
                "PNS",
                "Penata Muda (III/a)",
                "Analis Kebijakan",
                units[n % len(units)],
            ]
        )
    return units, rows


def as_csv(rows):
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def as_xlsx(rows):
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(label, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<46} {time.perf_counter() - start:6.2f} s")
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="employees (default 10,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp:
        setup_django(Path(tmp))
        from django.core.files.uploadedfile import SimpleUploadedFile

        from ceremonies.views import board_numbers
        from roster.imports import run_import, store_upload
        from roster.models import Employee, Unit
        from tests import factories

        agency = factories.agency()
        units, rows = roster_rows(args.n)
        Unit.objects.bulk_create([Unit(agency=agency, name=name) for name in units])
        print(f"employees: {args.n}")
        csv_name = store_upload(SimpleUploadedFile("pegawai.csv", as_csv(rows)))
        xlsx_name = store_upload(SimpleUploadedFile("pegawai.xlsx", as_xlsx(rows)))
        report = timed("preview (dry run) of a new csv roster", lambda: run_import(agency, csv_name, dry_run=True))
        assert report.counts["new"] == args.n, report.counts
        report = timed("preview (dry run) of a new xlsx roster", lambda: run_import(agency, xlsx_name, dry_run=True))
        assert report.counts["new"] == args.n, report.counts
        timed("import (confirm) of the csv roster", lambda: run_import(agency, csv_name, dry_run=False))
        assert Employee.objects.count() == args.n
        report = timed("re-import as xlsx, all unchanged", lambda: run_import(agency, xlsx_name, dry_run=False))
        assert report.counts["unchanged"] == args.n, report.counts
        ceremony = factories.ceremony(agency)
        created = timed(
            f"invite all {args.n} employees", lambda: ceremony.invite(Employee.objects.filter(agency=agency))
        )
        assert created == args.n
        again = timed(
            "invite them again (no duplicates)", lambda: ceremony.invite(Employee.objects.filter(agency=agency))
        )
        assert again == 0
        numbers = timed("live board numbers", lambda: board_numbers(ceremony))
        assert numbers["overall"]["invited"] == args.n


if __name__ == "__main__":
    main()
