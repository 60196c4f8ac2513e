"""Benchmark: a burst of signatures delivered as webhooks to a real local receiver.

    make bench-webhooks
    make bench-webhooks BENCH_ARGS="-n 10000 --fail-rate 0.1 --workers 2"

On a throw-away PostgreSQL database (``BENCH_DATABASE_URL``, see bench/harness.py)
with the database task backend: an open apel of ``-n`` invitations (default 10,000)
in an agency with one webhook endpoint for ``signature.created``, pointing at the
tests' receiver (``tests/webhook_receiver.py``, its own process on loopback: it
checks every signature with its own code and answers 500 to ``--fail-rate`` of all
deliveries, retries included). ``--workers`` ``manage.py db_worker`` processes
serve the ``default`` queue as in production — the signed PDFs included, which they
render meanwhile (priority below the webhooks).

The burst signs every invitation through ``pledges.services.signature_create`` (the
signing POST's service: each signature with its PDF task and its outbox row in one
transaction) from ``--signers`` processes. It prints how long the burst took, the
time from its end until the receiver had every signature (target ≤ 5 minutes), the
lost (must be 0: every signature's event answered 200 once, the database agreeing),
deliveries answered 200 twice (must be 0) and the retries (all with the same
``webhook-id`` as their first try, by construction of the count). Signing
throughput with webhooks on and off is ``make bench-signing BENCH_ARGS="--webhooks"``.
Not part of the test suite.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from harness import ROOT, environment, start_db_workers, stop, throwaway_database

TARGET_SECONDS = 300
RECEIVER = ROOT / "tests" / "webhook_receiver.py"


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_environment(url, workdir):
    return {
        **environment(url, workdir),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "WEBHOOK_ALLOW_LOOPBACK": "1",
        "PUBLIC_BASE_URL": "https://netralitas.example.go.id",
    }


def summary(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_summary", timeout=30) as response:
        return json.loads(response.read())


SIGNER = """
import sys, django
django.setup()
from ceremonies.models import Invitation
from pledges import pact_text
from pledges.services import signature_create
png = open(sys.argv[1], "rb").read()
for token in open(sys.argv[2]).read().split():
    invitation = Invitation.objects.for_signing(token)  # the signing request's one query
    draft = pact_text.draft(invitation)
    signature_create(invitation=invitation, shown=(draft.text_format, draft.sha256), image_png=png, method="link")
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="signatures in the burst (default 10,000)")
    parser.add_argument("--fail-rate", type=float, default=0.1, help="share of deliveries answered 500 (default 0.1)")
    parser.add_argument("--workers", type=int, default=2, help="db_worker processes (default 2)")
    parser.add_argument("--signers", type=int, default=2, help="processes signing the burst (default 2)")
    parser.add_argument(
        "--workers-during-burst",
        action="store_true",
        help="start the workers before the burst (default: after it, so nothing is delivered during the burst "
        "and the burst does not share the CPU with PDF rendering)",
    )
    parser.add_argument("--timeout", type=int, default=900, help="give up waiting after this many seconds")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp, throwaway_database() as url:
        workdir = Path(tmp)
        env = bench_environment(url, workdir)
        os.environ.update(env)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from django.db.models import Count
        from signing import drawn_png, make_apel

        from ceremonies.models import Invitation
        from pledges.models import Signature
        from pledges.signature_image import clean_signature_image
        from webhooks.models import Delivery, Endpoint, Event

        started = time.perf_counter()
        make_apel(args.n)
        agency_id = Invitation.objects.values_list("ceremony__agency_id", flat=True).first()
        print(f"apel: {args.n} invitations, PostgreSQL, made in {time.perf_counter() - started:.1f} s", flush=True)

        port = free_port()
        receiver = subprocess.Popen(
            [sys.executable, str(RECEIVER), str(port), "--fail-rate", str(args.fail_rate), "--seed", "21"],
            stdout=subprocess.PIPE,
            text=True,
        )
        processes = []
        try:
            assert receiver.stdout.readline().strip() == "ready"
            endpoint = Endpoint.objects.create(
                agency_id=agency_id, url=f"http://127.0.0.1:{port}/netralitas", events=["signature.created"]
            )
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/_configure",
                data=json.dumps({"path": "/netralitas", "secret": endpoint.secret}).encode(),
                method="POST",
            )
            urllib.request.urlopen(request, timeout=10).close()
            import base64

            png = clean_signature_image("data:image/png;base64," + base64.b64encode(drawn_png(1)).decode())
            (workdir / "signature.png").write_bytes(png)
            tokens = list(Invitation.objects.order_by("pk").values_list("token", flat=True))
            for n in range(args.signers):
                (workdir / f"ids{n}").write_text(" ".join(tokens[n :: args.signers]))
            from django.db import connections

            connections.close_all()
            if args.workers_during_burst:
                processes = start_db_workers(env, args.workers, "bench-webhooks-")
            print(
                f"receiver: :{port}, answers 500 to {args.fail_rate:.0%} of deliveries; {args.workers} db_workers "
                f"(queue default: webhooks and signed PDFs) started "
                f"{'before' if args.workers_during_burst else 'after'} the burst; burst from {args.signers} processes",
                flush=True,
            )
            burst_start = time.perf_counter()
            signers = [
                subprocess.Popen(
                    [sys.executable, "-c", SIGNER, str(workdir / "signature.png"), str(workdir / f"ids{n}")],
                    cwd=ROOT,
                    env=env,
                )
                for n in range(args.signers)
            ]
            for signer in signers:
                if signer.wait():
                    raise SystemExit("a signing process failed")
            burst_end = time.perf_counter()
            signed = Signature.objects.count()
            print(
                f"burst: {signed} signatures in {burst_end - burst_start:.1f} s "
                f"({signed / (burst_end - burst_start):.0f}/s); delivered by then: {summary(port)['delivered']}",
                flush=True,
            )
            if not processes:
                processes = start_db_workers(env, args.workers, "bench-webhooks-")
            deadline = burst_end + args.timeout
            last_print = 0
            while True:
                state = summary(port)
                now = time.perf_counter()
                if state["delivered"] >= signed or now > deadline:
                    break
                if now - last_print > 15:
                    print(f"  +{now - burst_end:5.0f} s: {state['delivered']} delivered", flush=True)
                    last_print = now
                time.sleep(0.5)
            after = time.perf_counter() - burst_end
            state = summary(port)
            events = Event.objects.count()
            statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).order_by())
            lost = signed - state["delivered"]
            retries = state["requests"] - state["ids"]
            print(
                f"all delivered {after:.1f} s after the burst" if lost == 0 else f"NOT all delivered in {after:.0f} s"
            )
            print(
                f"  signatures {signed}, outbox events {events}, deliveries {statuses}; receiver: "
                f"{state['requests']} requests, {state['answered_500']} answered 500, {retries} retries "
                f"(same webhook-id as their first try), {state['invalid']} invalid signatures"
            )
            print(f"  lost {lost}, delivered twice {state['delivered_twice']}")
            verdict = [
                (f"all delivered ≤ {TARGET_SECONDS} s after the burst", lost == 0 and after <= TARGET_SECONDS),
                ("0 lost", lost == 0 and events == signed),
                ("duplicates only retries", state["delivered_twice"] == 0 and state["invalid"] == 0),
            ]
            print("targets: " + ", ".join(f"{name} {'met' if met else 'NOT met'}" for name, met in verdict))
        finally:
            stop([*processes, receiver])
            from django.db import connections

            connections.close_all()


if __name__ == "__main__":
    main()
