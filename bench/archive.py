"""Benchmark: the Inspektorat's ZIP of an apel's signed pacts against ``zip -0``.

    make bench-archive                                  # 36,000 stored PDFs of ~50 KB
    make bench-archive BENCH_ARGS="-n 2000 --rounds 2"

On a throw-away PostgreSQL database (``BENCH_DATABASE_URL``, see bench/harness.py)
it stores ``-n`` signatures of one apel (40 units) with a PDF file each (~50 KB of
random bytes, its SHA-256 and size recorded as the PDF worker records them), starts
gunicorn as the README's production section does, and, in the same run and on the
same files (read once beforehand so both start from the page cache):

1. the floor: ``zip -0 -q - -@`` of exactly the archive's files, written to /dev/null
   (and, for comparison, ``zip -0 -q FILE.zip -@``, into a file, as a person runs it);
2. the ZIP: ``curl`` as the auditor downloads ``/inspektorat/apel/<id>/pakta.zip`` to
   /dev/null — the whole response, its layout query, every PDF read, checked against
   its recorded SHA-256 and streamed.

It prints both rates (MB of PDFs per second), the ratio ZIP / ``zip -0`` (target
≥ 0.8, issue 24), the CPU seconds of each (``zip -0`` and the gunicorn worker that
serves the ZIP: on a busy machine the fairer comparison) and checks one downloaded
archive: every entry there, the manifest listing every signature, nothing flagged.
With ``--s3`` the PDFs are objects in an S3-compatible server (moto's, a real
process on loopback: tests/s3.py) and gunicorn reads them from there (issue 20):

    make bench-archive BENCH_ARGS=--s3                  # 36,000 objects, 1 round
    make bench-archive BENCH_ARGS="--s3 -n 2000"

The floor is then every object read with boto3's ``get_object`` in one loop, from
the same server in the same run; it prints both rates, the ratio (target ≥ 0.8), the
S3 server's and the readers' CPU per object, and the gunicorn worker's memory before
and at its peak (flat: it does not grow with the PDFs).

Not part of the test suite.
"""

import argparse
import hashlib
import io
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from harness import (
    free_port,
    gunicorn,
    process_cpu,
    production_environment,
    setup_django,
    throwaway_database,
    workers_cpu,
)

TARGET_RATIO = 0.8
UNITS = 40


def make_archive_apel(count, put):
    """An apel of ``count`` signers in 40 units, each signature with a PDF stored by
    ``put(name, data)``."""
    from ceremonies.models import Ceremony
    from pledges.models import PactDocument, Signature
    from roster.models import StaffProfile, Unit
    from tests import factories
    from tests.inspektorat.conftest import bulk_sign, invite

    agency = factories.agency(name="Pemerintah Provinsi Uji")
    auditor = factories.user("inspektur", role=StaffProfile.Role.AUDITOR, supervised=[agency])
    ceremony = factories.ceremony(agency, status=Ceremony.Status.CLOSED)
    units = Unit.objects.bulk_create([Unit(agency=agency, name=f"Dinas Nomor {n:02d}") for n in range(UNITS)])
    invitations = []
    for number, unit in enumerate(units):
        share = count // UNITS + (1 if number < count % UNITS else 0)
        invitations += invite(ceremony, share, unit=unit, name=f"Pegawai {number:02d}")
    for start in range(0, len(invitations), 5000):
        bulk_sign(invitations[start : start + 5000])
    rng = random.Random(24)
    documents, paths = [], []
    folder = f"pacts/{agency.pk}/{ceremony.pk}"
    signatures = Signature.objects.filter(invitation__ceremony=ceremony).values_list("pk", "verification_code")
    for pk, code in signatures.iterator(chunk_size=2000):
        data = b"%PDF-1.7\n" + rng.randbytes(rng.randint(45_000, 55_000))
        name = f"{folder}/{code}.pdf"
        put(name, data)
        paths.append(name)
        documents.append(
            PactDocument(signature_id=pk, file=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
        )
    PactDocument.objects.bulk_create(documents, batch_size=2000)
    return ceremony, auditor, paths


def session_cookie(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def on_disk(media_root):
    def put(name, data):
        (media_root / name).parent.mkdir(parents=True, exist_ok=True)
        (media_root / name).write_bytes(data)

    return put


def read_all(media_root, paths):
    """Read every file once, so that both contenders start from the page cache."""
    return sum(len((media_root / path).read_bytes()) for path in paths)


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def zip_floor(media_root, list_file, output=None):
    """Seconds and CPU seconds of ``zip -0`` storing the files: to /dev/null through
    its standard output, or into the file ``output`` (as a person would run it)."""
    started, cpu = time.perf_counter(), children_cpu()
    with open(list_file, "rb") as names:
        if output is None:
            command, sink = ["zip", "-0", "-q", "-", "-@"], subprocess.DEVNULL
        else:
            output.unlink(missing_ok=True)
            command, sink = ["zip", "-0", "-q", str(output), "-@"], None
        subprocess.run(command, cwd=media_root, stdin=names, stdout=sink, check=True)
    return time.perf_counter() - started, children_cpu() - cpu


def download(url, cookie, output="/dev/null", allow=("200",)):
    started = time.perf_counter()
    result = subprocess.run(
        ["curl", "-s", "-o", output, "-w", "%{http_code} %{size_download} %{time_starttransfer}"]
        + ["-b", f"sessionid={cookie}", "-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-For: 203.0.113.7", url],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    status, size, first_byte = result.stdout.split()
    if status not in allow:
        raise SystemExit(f"the ZIP answered {status}")
    print(f"    first byte {float(first_byte):.2f} s, all {seconds:.2f} s", flush=True)
    return seconds, int(size)


def check_archive(path, count):
    import csv

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    pdfs = [name for name in names if name.endswith(".pdf")]
    flagged = [row for row in rows if row.get("Catatan")]
    ok = len(pdfs) == count and len(rows) == count and not flagged
    print(f"  archive: {len(pdfs)} PDFs, manifest {len(rows)} rows, {len(flagged)} flagged -> {'OK' if ok else 'BAD'}")
    return ok


def rounded(seconds):
    return ", ".join(f"{s:.2f}" for s in seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=36_000, help="signed pacts with a stored PDF (default 36,000)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of each (default 3; medians)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4, as in README)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "18030")))
    parser.add_argument("--s3", action="store_true", help="the PDFs in an S3-compatible server (moto's, on loopback)")
    args = parser.parse_args()
    if args.s3:
        return from_bucket(args)
    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp, throwaway_database() as url:
        workdir = Path(tmp)
        setup_django(url, workdir)
        media_root = workdir / "media"
        started = time.perf_counter()
        ceremony, auditor, paths = make_archive_apel(args.n, on_disk(media_root))
        total = read_all(media_root, paths)
        print(
            f"apel: {len(paths)} signed pacts with PDFs, {total / 1e6:.0f} MB, made in "
            f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs",
            flush=True,
        )
        list_file = workdir / "files.txt"
        list_file.write_text("\n".join(paths) + "\n")
        cookie = session_cookie(auditor)
        port = free_port(args.port)
        env = production_environment(url, workdir, "", port)
        env["SECRET_KEY"] = os.environ["SECRET_KEY"]  # the session made here must be valid there
        with gunicorn(env, port, args.workers, workdir) as master:
            zip_url = f"http://127.0.0.1:{port}/inspektorat/apel/{ceremony.pk}/pakta.zip"
            download(zip_url, cookie)  # warm-up: the worker has loaded Django and its connection
            floors, ours, floor_cpu, our_cpu, to_file = [], [], [], [], []
            for _round in range(args.rounds):
                seconds, cpu = zip_floor(media_root, list_file)
                floors.append(seconds)
                floor_cpu.append(cpu)
                to_file.append(zip_floor(media_root, list_file, workdir / "floor.zip")[0])
                cpu = workers_cpu(master.pid)
                seconds, _size = download(zip_url, cookie)
                ours.append(seconds)
                our_cpu.append(workers_cpu(master.pid) - cpu)
            download(zip_url, cookie, str(workdir / "check.zip"))
            ok = check_archive(workdir / "check.zip", args.n)
        floor, zip_seconds = statistics.median(floors), statistics.median(ours)
        ratio = floor / zip_seconds
        rate = total / floor / 1e6
        print(f"  zip -0 of the same files (floor)   {floor:7.2f} s   {rate:7.0f} MB/s   rounds {rounded(floors)}")
        print(
            f"  ZIP download (checked, streamed)   {zip_seconds:7.2f} s   {total / zip_seconds / 1e6:7.0f} MB/s"
            f"   rounds {rounded(ours)}"
        )
        print(f"  ratio ZIP / zip -0                 {ratio:7.2f}   (target ≥ {TARGET_RATIO})")
        into_file = statistics.median(to_file)
        print(
            f"  zip -0 into a file (as a person runs it) {into_file:.2f} s   {total / into_file / 1e6:.0f} MB/s"
            f"   ratio ZIP / that {into_file / zip_seconds:.2f}   rounds {rounded(to_file)}"
        )
        # CPU seconds do not depend on what else the machine runs: the fairer figure on a busy one.
        floor_cpu, zip_cpu = statistics.median(floor_cpu), statistics.median(our_cpu)
        print(
            f"  CPU: zip -0 {floor_cpu:.2f} s, the gunicorn worker for the ZIP {zip_cpu:.2f} s "
            f"(ratio {floor_cpu / zip_cpu:.2f})"
        )
        met = ratio >= TARGET_RATIO and ok
        print(f"targets: ≥ {TARGET_RATIO}× zip -0 and a complete archive {'met' if met else 'NOT met'}")
        sys.exit(0 if met else 1)


class Uploads:
    """``put(name, data)`` into the bucket under ``location``, a few at a time."""

    def __init__(self, client, location, threads=8, batch=400):
        from concurrent.futures import ThreadPoolExecutor

        self.client, self.location, self.batch = client, location, batch
        self.pool, self.waiting = ThreadPoolExecutor(threads), []

    def __call__(self, name, data):
        self.waiting.append((f"{self.location}/{name}", data))
        if len(self.waiting) >= self.batch:
            self.flush()

    def flush(self):
        from tests.s3 import BUCKET

        list(self.pool.map(lambda item: self.client.put_object(Bucket=BUCKET, Key=item[0], Body=item[1]), self.waiting))
        self.waiting = []


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker_pids(master):
    return [int(pid) for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()]


def read_straight(client, keys):
    """The floor: every object read with boto3's ``get_object`` in one loop. Seconds,
    CPU seconds of this process, bytes."""
    from tests.s3 import BUCKET

    started, cpu, size = time.perf_counter(), time.process_time(), 0
    for key in keys:
        size += len(client.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    return time.perf_counter() - started, time.process_time() - cpu, size


def from_bucket(args):
    """The ZIP against reading the same objects straight from the same S3 server."""
    from tests.s3 import BUCKET, CREDENTIALS, S3Server

    rounds = args.rounds if "--rounds" in sys.argv else 1
    server = S3Server().start()
    location = "bench"
    bucket = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": server.endpoint,
        "AWS_LOCATION": location,
        **CREDENTIALS,
    }
    try:
        with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp, throwaway_database() as url:
            workdir = Path(tmp)
            setup_django(url, workdir)
            client = server.client()
            started = time.perf_counter()
            uploads = Uploads(client, location)
            ceremony, auditor, paths = make_archive_apel(args.n, uploads)
            uploads.flush()
            keys = [f"{location}/{path}" for path in paths]
            print(
                f"apel: {len(paths)} signed pacts with PDFs in the bucket (moto_server on loopback), made in "
                f"{time.perf_counter() - started:.1f} s; {os.cpu_count()} CPUs",
                flush=True,
            )
            cookie = session_cookie(auditor)
            port = free_port(args.port)
            env = production_environment(url, workdir, "", port)
            env.update(bucket)
            env["SECRET_KEY"] = os.environ["SECRET_KEY"]  # the session made here must be valid there
            workers = args.workers if "--workers" in sys.argv else 1  # one request: one worker to watch
            # A sync worker is not heard from while it streams: the ZIP from a bucket takes minutes.
            with gunicorn(env, port, workers, workdir, timeout=900) as master:
                zip_url = f"http://127.0.0.1:{port}/inspektorat/apel/{ceremony.pk}/pakta.zip"
                download(f"http://127.0.0.1:{port}/akun/login/", cookie, allow=("200", "302"))  # Django loaded
                rss_before = max(memory_kb(pid, "VmRSS") for pid in worker_pids(master))
                floors, ours, floor_cpu, our_cpu, server_floor, server_ours = [], [], [], [], [], []
                for number in range(rounds):
                    moto = process_cpu(server.process.pid)
                    seconds, cpu, total = read_straight(client, keys)
                    server_floor.append(process_cpu(server.process.pid) - moto)
                    floors.append(seconds)
                    floor_cpu.append(cpu)
                    moto, cpu = process_cpu(server.process.pid), workers_cpu(master.pid)
                    output = str(workdir / "check.zip") if number == 0 else "/dev/null"
                    seconds, _size = download(zip_url, cookie, output)
                    server_ours.append(process_cpu(server.process.pid) - moto)
                    ours.append(seconds)
                    our_cpu.append(workers_cpu(master.pid) - cpu)
                peak = max(memory_kb(pid, "VmHWM") for pid in worker_pids(master))
                ok = check_archive(workdir / "check.zip", args.n)
    finally:
        server.stop()
    floor, zip_seconds = statistics.median(floors), statistics.median(ours)
    ratio = floor / zip_seconds
    print(
        f"  get_object of every object in one loop (floor) {floor:7.2f} s {total / floor / 1e6:6.1f} MB/s"
        f"   rounds {rounded(floors)}"
    )
    print(
        f"  ZIP download (checked, streamed)               {zip_seconds:7.2f} s {total / zip_seconds / 1e6:6.1f} MB/s"
        f"   rounds {rounded(ours)}"
    )
    print(f"  ratio ZIP / straight reads                     {ratio:7.2f}   (target ≥ {TARGET_RATIO})")
    count = len(keys)
    print(
        f"  CPU per object: S3 server {statistics.median(server_floor) / count * 1e3:.2f} ms for the floor, "
        f"{statistics.median(server_ours) / count * 1e3:.2f} ms for the ZIP; the floor's reader "
        f"{statistics.median(floor_cpu) / count * 1e3:.2f} ms, the gunicorn worker "
        f"{statistics.median(our_cpu) / count * 1e3:.2f} ms"
    )
    grew = (peak - rss_before) / 1024
    flat = grew < 200
    print(
        f"  memory: gunicorn workers {rss_before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB "
        f"(+{grew:.0f} MB for {total / 1e6:.0f} MB of PDFs) -> {'flat' if flat else 'NOT flat'}"
    )
    met = ratio >= TARGET_RATIO and ok and flat
    print(f"targets: ≥ {TARGET_RATIO}× straight reads, flat memory, a complete archive {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
