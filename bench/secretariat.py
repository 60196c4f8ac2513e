"""Benchmark: the secretariat's roster import at a province's scale, on PostgreSQL.

    make bench-secretariat                        # 50,000 rows, xlsx
    make bench-secretariat BENCH_ARGS="-n 10000"

On a throw-away database (``BENCH_DATABASE_URL``, see bench/harness.py), in one run:

- the floor: a plain ``bulk_create`` of the same N employees;
- the upload request (what the operator waits for: size, rows and readability are
  checked, the file kept, the preview job started);
- the preview job (read the xlsx with python-calamine, parse, plan) and the import
  job (plan the kept rows again, write them), as the worker runs them — their sum,
  and its ratio to the floor (target: ≤ 10 s and ≤ 2×);
- the same import through ``manage.py import_roster`` (a process of its own: time
  and peak memory);
- the job page and its progress poll; inviting all N; the live board's numbers.

Not part of the test suite.
"""

import argparse
import io
import resource
import subprocess
import sys
import time

from harness import ROOT, django_on_throwaway_database, environment, timed


def roster_rows(count, units):
    from tests.factories import nip

    header = ["NIP", "Nama", "Jenis Kepegawaian", "Pangkat/Golongan", "Jabatan", "Unit Kerja"]
    rows = []
    for n in range(count):
        digits = nip(n + 1)
        grouped = f"{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}"
        rows.append([grouped, f"Pegawai Nomor {n + 1}, S.E.", "PNS", "Penata Muda (III/a)", "Analis Kebijakan"])
        rows[-1].append(units[n % len(units)])
    return header, rows


def as_xlsx(header, rows):
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": False})
    sheet = workbook.add_worksheet("Pegawai")
    sheet.write_row(0, 0, header)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            sheet.write_string(number, column, value)
    workbook.close()
    return buffer.getvalue()


def truncate_employees():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE roster_employee CASCADE")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50_000, help="roster rows (default 50,000)")
    args = parser.parse_args()
    with django_on_throwaway_database() as (url, workdir):
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client
        from django.urls import reverse

        from ceremonies.views import board_numbers
        from jobs.models import Job
        from jobs.tasks import execute
        from roster.models import Employee, EmploymentType, StaffProfile, Unit
        from tests import factories

        agency = factories.agency()
        names = [f"Unit Kerja {n:02d}" for n in range(40)]
        units = {unit.name: unit.pk for unit in Unit.objects.bulk_create([Unit(agency=agency, name=n) for n in names])}
        header, rows = roster_rows(args.n, names)
        data = as_xlsx(header, rows)
        path = workdir / "pegawai.xlsx"
        path.write_bytes(data)
        print(f"roster: {args.n} rows, xlsx {len(data) / 1e6:.1f} MB, PostgreSQL", flush=True)

        employees = [
            Employee(
                agency=agency,
                unit_id=units[row[5]],
                employment_type=EmploymentType.PNS,
                nip=row[0].replace(" ", ""),
                name=row[1],
                rank=row[3],
                position=row[4],
            )
            for row in rows
        ]
        _, floor = timed(
            "floor: plain bulk_create of the same rows",
            lambda: Employee.objects.bulk_create(employees, batch_size=2000),
        )
        truncate_employees()

        operator = factories.user("setda", role=StaffProfile.Role.OPERATOR, agency=agency)
        client = Client()
        client.force_login(operator)
        timed("web: the upload page (first request of the process)", lambda: client.get(reverse("roster:import")))
        upload = SimpleUploadedFile("pegawai.xlsx", data)
        response, _ = timed(
            "web: upload request (checks, keeps the file, starts)",
            lambda: client.post(reverse("roster:import"), {"file": upload}),
        )
        assert response.status_code == 302, response.content[:500]
        preview = Job.objects.get(kind="roster_preview")
        preview, preview_seconds = timed("job: preview (read xlsx, parse, plan)", lambda: execute(preview.pk))
        assert preview.result["counts"]["new"] == args.n, preview.result["counts"]
        response, _ = timed(
            "web: confirm request (starts the import)",
            lambda: client.post(reverse("roster:import_confirm", args=[preview.pk])),
        )
        imported = Job.objects.get(kind="roster_import")
        imported, import_seconds = timed("job: import (plan again, write)", lambda: execute(imported.pk))
        assert imported.result["counts"]["new"] == args.n and Employee.objects.count() == args.n
        total = preview_seconds + import_seconds
        print(f"  {'preview + import':<58} {total:7.2f} s   (target ≤ 10 s)")
        print(f"  {'ratio to the floor':<58} {total / floor:7.2f}     (target ≤ 2)")
        timed("web: the job page", lambda: client.get(imported.get_absolute_url()))
        timed("web: its progress poll", lambda: client.get(reverse("jobs:progress", args=[imported.pk])))

        truncate_employees()
        command = [sys.executable, "manage.py", "import_roster", str(agency.pk), str(path)]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, env=environment(url, workdir), capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        assert result.returncode == 0, result.stderr
        label = "manage.py import_roster (whole process, Django start incl.)"
        print(f"  {label:<58} {elapsed:7.2f} s   peak {peak:.0f} MB")
        print(f"    {result.stdout.strip()}")
        assert Employee.objects.count() == args.n

        ceremony = factories.ceremony(agency)
        created, _ = timed(
            f"invite all {args.n} employees", lambda: ceremony.invite(Employee.objects.filter(agency=agency))
        )
        assert created == args.n
        numbers, _ = timed("live board numbers", lambda: board_numbers(ceremony))
        assert numbers["overall"]["invited"] == args.n


if __name__ == "__main__":
    main()
