"""Benchmark: sealing pacts through BSrE's Esign Client (issue #25), against the stand-in.

    make bench-bsre
    make bench-bsre BENCH_ARGS="-n 500"
    make bench-bsre BENCH_ARGS="-n 2000 --no-faults --validate-sample 200"

On a throw-away PostgreSQL database (``BENCH_DATABASE_URL``, see bench/harness.py),
with the BSrE stand-in (tests/bsre.py, its own process on loopback with ``--processes``
sealing processes) and a private Redis, each phase:

1. makes a fresh agency with an apel of ``-n`` signatures (``bulk_sign``), queues each
   signature's ``render_signature_pdf`` through django-tasks' public ``enqueue()`` —
   the task row the signing service stores — then switches the agency to BSrE with
   ``manage.py bsre_setup`` (a first code living ``--code-lifetime`` s: with
   ``BSRE_REFRESH_BEFORE`` 60 the workers refresh it every ~30 s);
2. starts 2 ``manage.py db_worker`` processes with production settings (bench/harness.py
   ``production_environment``, the database task backend) and times them from their
   start to the phase's last stored ``PactDocument``: sealed by the stand-in, checked,
   stored; then lets them finish the queue and stops them.

Phases: the stand-in answering each call after 0.1 s, then after 0.9 s (BSrE's observed
latency; run second, so a database grown by the first phase counts against it), then —
unless ``--no-faults`` — 0.9 s with 10 % of calls answering 500 and 2 % sealing and
then hanging longer than the workers' ``BSRE_TIMEOUT`` (10 s there). Printed: PDFs/s,
the ratio 0.9-s / 0.1-s (target ≥ 0.9), the CPU per PDF of our two workers, of the
stand-in (its process tree from /proc, and its own ``seal_cpu_seconds``) and of
PostgreSQL (every ``postgres`` process: run on a quiet machine), the rate our side would
reach with BSrE's work elsewhere (2 cores / our CPU per PDF), the code refreshes and
codes refused. At the end: every signature of every phase has exactly one document, no
file in MEDIA_ROOT is not a document's, and every fault-phase PDF (or
``--validate-sample`` of them) validates with pyHanko against the stand-in's root.
Not part of the test suite.
"""

import argparse
import io
import os
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from harness import (
    ROOT,
    free_port,
    postgres_cpu,
    production_environment,
    redis_server,
    setup_django,
    start_db_workers,
    stop,
    throwaway_database,
    tree_cpu,
)

WORKERS = 2
TARGET_RATIO, TARGET_RATE, TARGET_REFRESHES = 0.9, 10, 3
FAULTS = {"fail_rate": 0.1, "timeout_after_seal_rate": 0.02, "hang": 15}
FAULT_TIMEOUT = 10  # the workers' BSRE_TIMEOUT in the fault phase: less than the hang


def queue_apel(n, label):
    """A fresh agency with an apel of ``n`` signatures, each with its PDF task queued."""
    from django.db import transaction

    from pledges.tasks import render_signature_pdf
    from tests import factories
    from tests.inspektorat.conftest import bulk_sign, invite

    agency = factories.agency(name=f"Pemerintah Kabupaten Uji BSrE {label}")
    ceremony = factories.ceremony(agency)
    invitations = invite(ceremony, n)
    signatures = []
    for start in range(0, n, 5000):
        signatures += bulk_sign(invitations[start : start + 5000])
    with transaction.atomic():  # as the signing service stores it: the public enqueue, one row per signature
        for signature in signatures:
            render_signature_pdf.enqueue(signature.pk)
    return agency, ceremony


def set_up_bsre(agency, standin, lifetime):
    from django.core.management import call_command

    subscriber = f"bench-{agency.pk}"
    first = standin.subscriber(subscriber, lifetime=lifetime)
    call_command("bsre_setup", str(agency.pk), "--subscriber", subscriber, "--totp", first, stdout=io.StringIO())


def phase(label, args, standin, env, config, timeout=None):
    """One phase (see the module's docstring): its figures."""
    from django.db.models import Max
    from django_tasks_db.models import DBTaskResult

    from pledges.models import PactDocument
    from roster.models import Agency

    started = time.perf_counter()
    agency, ceremony = queue_apel(args.n, label)
    print(f"{label}: {args.n} signatures and their tasks queued in {time.perf_counter() - started:.1f} s", flush=True)
    standin.reset_config()
    set_up_bsre(agency, standin, args.code_lifetime)
    standin.configure(**config)
    standin.reset_stats()
    env = {**env, "BSRE_TIMEOUT": str(timeout or 60)}
    documents = PactDocument.objects.filter(signature__invitation__ceremony=ceremony)
    cpu_standin, cpu_postgres = tree_cpu([standin.process.pid]), postgres_cpu()
    wall = time.time()
    log = open(args.log, "a")  # noqa: SIM115
    workers = start_db_workers(env, WORKERS, "bsre", stderr=log)
    try:
        deadline = time.monotonic() + 120 + args.n  # 1 PDF/s: something is wrong
        while (stored := documents.count()) < args.n:
            if time.monotonic() > deadline or any(worker.poll() is not None for worker in workers):
                raise SystemExit(f"{label}: {stored} of {args.n} stored; see {args.log}")
            time.sleep(0.5)
        ours = tree_cpu([worker.pid for worker in workers])
        theirs = tree_cpu([standin.process.pid]) - cpu_standin
        postgres = postgres_cpu() - cpu_postgres
        stats = standin.stats()
        last = documents.aggregate(last=Max("created_at"))["last"].timestamp()
        # The rest of the queue: the tasks of signatures another drain sealed (no-ops).
        ready = DBTaskResult.objects.filter(status="READY", task_path__endswith="render_signature_pdf")
        while ready.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        stop(workers)
        log.close()
    Agency.objects.filter(pk=agency.pk).update(seal_service=Agency.SealService.CERTIFICATE)  # its keep-alive ends
    seconds = last - wall
    result = {
        "label": label,
        "ceremony": ceremony,
        "seconds": seconds,
        "rate": args.n / seconds,
        "ours": ours / args.n,
        "theirs": theirs / args.n,
        "seal_cpu": stats["seal_cpu_seconds"] / args.n,
        "postgres": postgres / args.n,
        "stats": stats,
    }
    print(
        f"  {args.n} stored in {seconds:.1f} s = {result['rate']:.1f} PDFs/s; CPU per PDF: our 2 workers "
        f"{result['ours'] * 1e3:.0f} ms, stand-in {result['theirs'] * 1e3:.0f} ms (its seal_cpu_seconds "
        f"{result['seal_cpu'] * 1e3:.0f} ms), PostgreSQL {result['postgres'] * 1e3:.0f} ms; "
        f"stand-in: {stats['seal_calls']} seal calls, {stats['files_sealed']} files sealed, "
        f"{stats['totp_refreshes']} code refreshes, {stats['codes_rejected']} codes refused, "
        f"{stats['answered_500']} × 500, {stats['timeouts_after_seal']} timeouts after sealing",
        flush=True,
    )
    return result


def _validates(item):
    """pyHanko's verdict on one stored PDF against the stand-in's root (in a pool process)."""
    path, root = item
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with open(path, "rb") as handle:
        (signature,) = PdfFileReader(handle).embedded_regular_signatures
        context = ValidationContext(trust_roots=[load_cert_from_pemder(root)])
        return validate_pdf_signature(signature, context).bottom_line


def check_documents(results, args, media_root, root_pem):
    """Exactly one document per signature, no file that is no document's, and the
    fault phase's PDFs valid against the stand-in's root; ``True`` when all hold."""
    from django.db import connections

    from pledges.models import PactDocument, Signature

    ok = True
    for result in results:
        signatures = Signature.objects.filter(invitation__ceremony=result["ceremony"])
        documents = PactDocument.objects.filter(signature__invitation__ceremony=result["ceremony"])
        without = signatures.filter(document__isnull=True).count()
        bsre = documents.filter(sealed_by=PactDocument.SealedBy.BSRE).count()
        good = signatures.count() == documents.count() == bsre == args.n and without == 0
        print(f"  {result['label']}: {documents.count()} documents for {signatures.count()} signatures, "
              f"{without} without one, {bsre} sealed by BSrE -> {'OK' if good else 'MISMATCH'}")  # fmt: skip
        ok &= good
    names = set(PactDocument.objects.values_list("file", flat=True))
    files = {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}
    orphans, missing = files - names, names - files
    print(f"  MEDIA_ROOT: {len(files)} files, {len(names)} documents; {len(orphans)} orphans, {len(missing)} missing")
    ok &= not orphans and not missing
    faulty = [result for result in results if result["label"] == "faults"]
    if faulty:
        paths = list(
            PactDocument.objects.filter(signature__invitation__ceremony=faulty[0]["ceremony"]).values_list(
                "file", flat=True
            )
        )
        if args.validate_sample:
            paths = random.Random(1).sample(paths, min(args.validate_sample, len(paths)))
        connections.close_all()  # the pool's processes are forked
        started = time.perf_counter()
        with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
            verdicts = list(pool.map(_validates, [(str(media_root / p), str(root_pem)) for p in paths], chunksize=50))
        valid = sum(verdicts)
        print(f"  faults: {valid} of {len(paths)} PDFs validate with pyHanko against the stand-in's root "
              f"(bottom_line), checked in {time.perf_counter() - started:.0f} s")  # fmt: skip
        ok &= valid == len(paths)
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="pacts per phase (default 10,000)")
    parser.add_argument("--processes", type=int, default=2, help="the stand-in's sealing processes (default 2)")
    parser.add_argument("--code-lifetime", type=int, default=90, help="seconds a code lives at the stand-in")
    parser.add_argument("--faults", action=argparse.BooleanOptionalAction, default=True, help="the fault phase")
    parser.add_argument("--log", default=ROOT / "bench" / "out" / "bsre-workers.log", type=Path, help="workers' log")
    parser.add_argument("--validate-sample", type=int, default=0, help="validate this many fault PDFs (0: all)")
    args = parser.parse_args()
    args.log.parent.mkdir(parents=True, exist_ok=True)
    print(f"load before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}", flush=True)

    from tests import bsre

    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp, throwaway_database() as url:
        workdir = Path(tmp)
        standin = bsre.start(workdir / "bsre", processes=args.processes)
        try:
            bsre_env = {
                "BSRE_URL": standin.url,
                "BSRE_USERNAME": standin.username,
                "BSRE_PASSWORD": standin.password,
                "BSRE_TRUST_ROOTS": str(standin.root_pem),
                "BSRE_REFRESH_BEFORE": "60",
            }
            setup_django(url, workdir, TASKS_BACKEND="django_tasks_db.DatabaseBackend", **bsre_env)
            with redis_server(free_port(18400), workdir) as redis_url:
                env = {**production_environment(url, workdir, redis_url, 0), **bsre_env}
                env["SECRET_KEY"] = os.environ["SECRET_KEY"]  # the code is encrypted with a key derived from it
                print(f"stand-in: {standin.url}, {args.processes} sealing processes; {WORKERS} db_workers, "
                      f"BSRE_BATCH 10, BSRE_CONCURRENCY 4; code lifetime {args.code_lifetime} s; "
                      f"{os.cpu_count()} CPUs", flush=True)  # fmt: skip
                results = [
                    phase("0.1 s", args, standin, env, {"latency": 0.1}),
                    phase("0.9 s", args, standin, env, {"latency": 0.9}),
                ]
                if args.faults:
                    results.append(phase("faults", args, standin, env, {"latency": 0.9, **FAULTS}, FAULT_TIMEOUT))
            ok = check_documents(results, args, workdir / "media", standin.root_pem)
        finally:
            standin.close()
    summary(results, ok)
    print(f"load after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")


def summary(results, ok):
    print(f"\n{'phase':<8} {'PDFs/s':>7} {'s':>7} {'ours ms':>8} {'stand-in ms':>12} {'seal_cpu ms':>12} "
          f"{'pg ms':>6} {'refreshes':>9} {'refused':>7} {'500s':>5} {'timeouts':>8} {'sealed':>7}")  # fmt: skip
    for r in results:
        s = r["stats"]
        print(f"{r['label']:<8} {r['rate']:7.1f} {r['seconds']:7.1f} {r['ours'] * 1e3:8.0f} {r['theirs'] * 1e3:12.0f} "
              f"{r['seal_cpu'] * 1e3:12.0f} {r['postgres'] * 1e3:6.0f} {s['totp_refreshes']:9} "
              f"{s['codes_rejected']:7} {s['answered_500']:5} {s['timeouts_after_seal']:8} "
              f"{s['files_sealed']:7}")  # fmt: skip
    fast, slow = results[0], results[1]
    ratio = slow["rate"] / fast["rate"]
    elsewhere = WORKERS / slow["ours"]
    refreshes = min(r["stats"]["totp_refreshes"] for r in results)
    print(f"ratio 0.9-s / 0.1-s: {slow['rate']:.1f} / {fast['rate']:.1f} = {ratio:.2f} (target ≥ {TARGET_RATIO})")
    print(f"our side with BSrE's work elsewhere: {WORKERS} cores / {slow['ours'] * 1e3:.0f} ms per PDF "
          f"= {elsewhere:.0f} PDFs/s")  # fmt: skip
    verdict = [
        (f"ratio ≥ {TARGET_RATIO}", ratio >= TARGET_RATIO),
        (f"≥ {TARGET_RATE} PDFs/s at 0.9 s", slow["rate"] >= TARGET_RATE),
        (f"code refreshed ≥ {TARGET_REFRESHES}× per phase", refreshes >= TARGET_REFRESHES),
        ("every signature one document, no orphan, every PDF valid", ok),
    ]
    print("targets: " + ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in verdict))


if __name__ == "__main__":
    main()
