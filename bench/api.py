"""Benchmark: paging through 40,000 signatures with the read API's cursor, on PostgreSQL.

    make bench-api                                  # 40,000 signatures, 50 per page
    make bench-api BENCH_ARGS="-n 10000 --repeat 10 --duration 5"

On a throw-away database (``BENCH_DATABASE_URL``, see bench/harness.py) it stores one
apel of ``-n`` signatures in 40 units (each with a PDF row; no files are read), makes
an agency token and, first in this process through Django's test client with
production settings (the token checked, the rate limit counted in the cache, every use
recorded as in production) — the reference without HTTP:

1. walks ``/api/v1/signatures/?ceremony=<id>`` from the first page to the last by
   following ``next`` — every page's time, and that every signature came once;
2. asks the first, the middle and the last page ``--repeat`` times each: p50 and p95
   per position (the target: ≤ 50 ms at any depth);
3. the floor, in the same run: the page's bare ORM queries (the view's own: the keys
   sliced at the cursor's position, then their rows), at the same three positions.

Then on the production stack, as bench/signing.py starts it (bench/harness.py:
gunicorn, ``--workers`` sync workers, ``DEBUG=0``, a private Redis, behind-a-TLS-proxy
headers):

4. walks the list again over HTTP on one connection (``http.client``; gunicorn's sync
   workers close it after each answer, so it reconnects), timing every page and
   checking every signature came once;
5. drives the first, middle and last page's URL with wrk (one thread, one connection,
   ``--duration`` seconds each, ``--latency``): p50/p90/p99 per position.

``API_RATE_LIMIT`` is set so high that nothing is refused; a refusal, any answer but
200 (wrk's "Non-2xx or 3xx" count, and each request's ``TokenUse`` status) or a socket
error stops the benchmark. With ``REDIS_URL`` set the in-process phases count the rate
limit in that Redis, as in production; without it in the process's memory. Not part of
the test suite.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import time
from urllib.parse import urlsplit

from harness import django_on_throwaway_database, free_port, gunicorn, production_environment, redis_server

UNITS = 40
TARGET_MS = 50
# Counted, as in production, but high enough that neither the walks nor wrk are refused.
RATE_LIMIT = "9999999/min"
CLIENT_ADDRESS = "203.0.113.7"


def make_apel(count):
    from ceremonies.models import Ceremony
    from pledges.models import PactDocument, Signature
    from roster.models import Unit
    from tests import factories
    from tests.inspektorat.conftest import bulk_sign, invite

    agency = factories.agency(name="Pemerintah Provinsi Uji")
    ceremony = factories.ceremony(agency, status=Ceremony.Status.CLOSED)
    units = Unit.objects.bulk_create([Unit(agency=agency, name=f"Dinas Nomor {n:02d}") for n in range(UNITS)])
    invitations = []
    for number, unit in enumerate(units):
        share = count // UNITS + (1 if number < count % UNITS else 0)
        invitations += invite(ceremony, share, unit=unit, name=f"Pegawai {number:02d}")
    for start in range(0, len(invitations), 5000):
        bulk_sign(invitations[start : start + 5000])
    signatures = Signature.objects.filter(invitation__ceremony=ceremony).values_list("pk", "verification_code")
    PactDocument.objects.bulk_create(
        [
            PactDocument(signature_id=pk, file=f"pacts/{code}.pdf", sha256="0" * 64, size=50_000)
            for pk, code in signatures.iterator(chunk_size=2000)
        ],
        batch_size=2000,
    )
    return agency, ceremony


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_ms(fn):
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def in_process(args, token, secret, ceremony):
    """Phases 1–3 through Django's test client: the walk, the three positions, their ORM floor."""
    from django.test import Client
    from django.urls import reverse

    from api import scope

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    first = reverse("api:signatures") + f"?ceremony={ceremony.pk}"
    client.get(first)  # the process's first request: URLs, serializers, schema of the JSON

    # 1. The whole list, page by page.
    url, pages, seen, walk = first, [], set(), []
    while url:
        ms, response = timed_ms(lambda url=url: client.get(url))
        body = response.json()
        assert response.status_code == 200, body
        walk.append(ms)
        pages.append(url)
        seen.update(row["id"] for row in body["results"])
        url = body["next"]
    assert len(seen) == args.n, (len(seen), args.n)
    print(f"in-process walk: {len(walk)} pages, {len(seen)} signatures, each once", flush=True)

    # 2. and 3. First, middle and last page, repeated; the ORM query at the same positions.
    keys = scope.signature_keys(token, ceremony.pk).order_by("id")
    ids = list(keys.values_list("id", flat=True))

    def orm_page(after):
        """The view's two queries, bare: the page's keys at the cursor, then its rows."""
        return scope.signature_rows([key.pk for key in keys.filter(id__gt=after)[:51]])

    positions = {}
    for label, index in {"first": 0, "middle": len(pages) // 2, "last": len(pages) - 1}.items():
        api = [timed_ms(lambda i=index: client.get(pages[i]))[0] for _ in range(args.repeat)]
        after = ids[index * 50 - 1] if index else 0
        orm = [timed_ms(lambda a=after: orm_page(a))[0] for _ in range(args.repeat)]
        positions[label] = {"index": index, "api": api, "orm": orm}
    return walk, positions


def headers(secret):
    # As the TLS proxy passes a request on: without X-Forwarded-Proto the app redirects to https.
    return {"Authorization": f"Bearer {secret}", "X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT_ADDRESS}


def http_walk(port, secret, first, count):
    """Phase 4: every page over HTTP by ``next``; returns each page's ms and path."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    sent = headers(secret)
    path, pages, seen, walk = first, [], set(), []
    while path:
        start = time.perf_counter()
        connection.request("GET", path, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        walk.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            raise SystemExit(f"HTTP walk: {response.status} for {path}: {raw[:300]!r}")
        body = json.loads(raw)
        pages.append(path)
        rows = [row["id"] for row in body["results"]]
        if seen.intersection(rows):
            raise SystemExit(f"HTTP walk: a signature came twice, page {len(pages)}")
        seen.update(rows)
        path = None if body["next"] is None else urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
    connection.close()
    if len(seen) != count:
        raise SystemExit(f"HTTP walk: {len(seen)} signatures, expected {count}")
    return walk, pages


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def wrk(port, secret, path, duration, connections=1):
    """wrk on one URL; its latency percentiles in ms, requests, requests/s and failures."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    for name, value in headers(secret).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True)
    text = output.stdout
    latency = {
        int(share): float(value) * UNITS_MS[unit]
        for share, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    }
    requests = re.search(r"^\s*(\d+) requests in", text, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if output.returncode or not requests or len(latency) != 4:
        raise SystemExit(f"wrk failed:\n{text}\n{output.stderr}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {
        "latency": latency,
        "requests": int(requests.group(1)),
        "rate": float(rate.group(1)),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else None,
        "output": text,
    }


def checked_wrk(port, secret, path, duration, token, label):
    """wrk on ``path``, stopped loudly on any refusal: wrk's counts, and the app's own
    record of each request (``TokenUse`` with its status: a 429 is recorded, a redirect
    before the API is not, so fewer rows than requests is a failure too)."""
    from django.db.models import Count

    from api.models import TokenUse

    last = TokenUse.objects.filter(token=token).order_by("-pk").values_list("pk", flat=True).first() or 0
    result = wrk(port, secret, path, duration)
    time.sleep(0.5)  # the request in flight when wrk stopped
    uses = TokenUse.objects.filter(token=token, pk__gt=last)
    refused = dict(uses.exclude(status=200).values("status").annotate(n=Count("pk")).values_list("status", "n"))
    recorded = uses.count()
    if result["non_2xx"] or result["socket_errors"] or refused or recorded < result["requests"]:
        raise SystemExit(
            f"wrk {label}: REFUSED OR FAILED — non-2xx/3xx {result['non_2xx']}, socket errors "
            f"{result['socket_errors']}, statuses other than 200 recorded {refused}, {recorded} uses recorded for "
            f"{result['requests']} requests (API_RATE_LIMIT {RATE_LIMIT}):\n{result['output']}"
        )
    return result


def on_production_stack(args, url, workdir, token, secret, ceremony):
    """Phases 4 and 5: gunicorn in production settings, the walk over HTTP, wrk per position."""
    from django.urls import reverse

    first = reverse("api:signatures") + f"?ceremony={ceremony.pk}"
    port = free_port(args.port)
    with redis_server(free_port(port + 1), workdir) as redis_url:
        env = {**production_environment(url, workdir, redis_url, port), "API_RATE_LIMIT": RATE_LIMIT}
        with gunicorn(env, port, args.workers, workdir):
            print(
                f"gunicorn: {args.workers} sync workers on :{port}, DEBUG=0, private Redis, API_RATE_LIMIT "
                f"{RATE_LIMIT}; wrk: 1 thread, 1 connection, {args.duration} s per position; {os.cpu_count()} CPUs",
                flush=True,
            )
            # Warm-up: every worker has answered (URLs, serializers, its database connection).
            wrk(port, secret, first, 2, connections=args.workers)
            walk, pages = http_walk(port, secret, first, args.n)
            print(f"HTTP walk: {len(pages)} pages, {args.n} signatures, each once", flush=True)
            results = {}
            for label, index in {"first": 0, "middle": len(pages) // 2, "last": len(pages) - 1}.items():
                results[label] = checked_wrk(port, secret, pages[index], args.duration, token, label)
                latency = results[label]["latency"]
                print(
                    f"  wrk {label:<6} {results[label]['requests']:6} requests, {results[label]['rate']:6.1f}/s, "
                    f"p50 {latency[50]:.1f} ms, p99 {latency[99]:.1f} ms, 0 refused",
                    flush=True,
                )
    return walk, results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40_000, help="signatures (default 40,000)")
    parser.add_argument("--repeat", type=int, default=30, help="in-process requests per position (default 30)")
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per position (default 10)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (default 4, as in README)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "18030")))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    os.environ["API_RATE_LIMIT"] = RATE_LIMIT
    with django_on_throwaway_database() as (url, workdir):
        from django.db import connection

        from api.models import ApiToken, TokenUse

        started = time.perf_counter()
        agency, ceremony = make_apel(args.n)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"apel of {args.n} signatures in {UNITS} units, PostgreSQL, made in {time.perf_counter() - started:.0f} s"
        )
        cache = "Redis" if os.environ.get("REDIS_URL") else "process memory (no REDIS_URL)"
        print(f"in-process rate limit counted in: {cache}; every request recorded (TokenUse)", flush=True)
        print(f"load average before: {load_average()}", flush=True)

        token = ApiToken(name="Bench", agency=agency)
        secret = token.issue()
        token.save()
        walk, positions = in_process(args, token, secret, ceremony)
        http_pages, stack = on_production_stack(args, url, workdir, token, secret, ceremony)

        p = percentile
        print(f"\nper page, ms (target ≤ {TARGET_MS} ms at any depth)")
        print(f"  {'':<8} {'in-process':>16} {'ORM floor':>16} {'gunicorn + wrk, 1 connection':>30}")
        print(f"  {'page':<8} {'p50':>7} {'p95':>8} {'p50':>7} {'p95':>8} {'p50':>9} {'p90':>9} {'p99':>9}  req/s")
        for label, measured in positions.items():
            latency = stack[label]["latency"]
            print(f"  {label:<8} {p(measured['api'], 0.5):7.1f} {p(measured['api'], 0.95):8.1f} "
                  f"{p(measured['orm'], 0.5):7.1f} {p(measured['orm'], 0.95):8.1f} "
                  f"{latency[50]:9.1f} {latency[90]:9.1f} {latency[99]:9.1f}  {stack[label]['rate']:5.1f}")  # fmt: skip
        for name, values in (("in-process", walk), ("HTTP", http_pages)):
            print(f"  walk, {name:<10} every page ({len(values)}): p50 {p(values, 0.5):.1f}   "
                  f"p95 {p(values, 0.95):.1f}   max {max(values):.1f}")  # fmt: skip
        worst_in_process = max(p(measured["api"], 0.95) for measured in positions.values())
        worst_p90 = max(result["latency"][90] for result in stack.values())
        worst_p99 = max(result["latency"][99] for result in stack.values())
        verdict = lambda ms: "within" if ms <= TARGET_MS else "OVER"  # noqa: E731
        print(
            f"  in-process: worst p95 {worst_in_process:.1f} ms, {verdict(worst_in_process)} the {TARGET_MS} ms target"
        )
        print(f"  production stack (wrk): worst p90 {worst_p90:.1f} ms, {verdict(worst_p90)}; "
              f"worst p99 {worst_p99:.1f} ms, {verdict(worst_p99)} the {TARGET_MS} ms target")  # fmt: skip
        uses = TokenUse.objects.filter(token=token)
        print(f"  uses recorded: {uses.count()}, of which not 200: {uses.exclude(status=200).count()}")
        print(f"load average after: {load_average()}")


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
