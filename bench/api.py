"""Benchmark: paging through 40,000 signatures with the read API's cursor, on PostgreSQL.

    make bench-api                                  # 40,000 signatures, 50 per page
    make bench-api BENCH_ARGS="-n 10000 --repeat 10"

On a throw-away database (``BENCH_DATABASE_URL``, see bench/harness.py) it stores one
apel of ``-n`` signatures in 40 units (each with a PDF row; no files are read), makes
an agency token and, through Django's test client with production settings (the token
checked, the rate limit counted in the cache, every use recorded as in production):

1. walks ``/api/v1/signatures/?ceremony=<id>`` from the first page to the last by
   following ``next`` — every page's time, and that every signature came once;
2. asks the first, the middle and the last page ``--repeat`` times each: p50 and p95
   per position (the target: ≤ 50 ms at any depth);
3. the floor, in the same run: the page's bare ORM queries (the view's own: the keys
   sliced at the cursor's position, then their rows), at the same three positions.

With ``REDIS_URL`` set the rate limit counts in that Redis, as in production; without
it in the process's memory. Not part of the test suite.
"""

import argparse
import os
import time

from harness import django_on_throwaway_database

UNITS = 40
TARGET_MS = 50


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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40_000, help="signatures (default 40,000)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per position (default 30)")
    args = parser.parse_args()
    # Counted, as in production, but high enough that the walk is never refused.
    os.environ["API_RATE_LIMIT"] = "9999999/min"
    with django_on_throwaway_database():
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from api import scope
        from api.models import ApiToken, TokenUse

        started = time.perf_counter()
        agency, ceremony = make_apel(args.n)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"apel of {args.n} signatures in {UNITS} units, PostgreSQL, made in {time.perf_counter() - started:.0f} s"
        )
        cache = "Redis" if os.environ.get("REDIS_URL") else "process memory (no REDIS_URL)"
        print(f"rate limit counted in: {cache}; every request recorded (TokenUse)", flush=True)

        token = ApiToken(name="Bench", agency=agency)
        secret = token.issue()
        token.save()
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
        print(f"walk: {len(walk)} pages, {len(seen)} signatures, each once")
        print(f"  every page: p50 {percentile(walk, 0.5):6.1f} ms   p95 {percentile(walk, 0.95):6.1f} ms   "
              f"max {max(walk):6.1f} ms")  # fmt: skip

        # 2. and 3. First, middle and last page, repeated; the ORM query at the same positions.
        positions = {"first": 0, "middle": len(pages) // 2, "last": len(pages) - 1}
        keys = scope.signature_keys(token, ceremony.pk).order_by("id")
        ids = list(keys.values_list("id", flat=True))

        def orm_page(after):
            """The view's two queries, bare: the page's keys at the cursor, then its rows."""
            return scope.signature_rows([key.pk for key in keys.filter(id__gt=after)[:51]])

        print(f"  {'page':<8} {'API p50':>9} {'API p95':>9} {'ORM p50':>9} {'ORM p95':>9}   (target ≤ {TARGET_MS} ms)")
        worst = 0.0
        for label, index in positions.items():
            api = [timed_ms(lambda i=index: client.get(pages[i]))[0] for _ in range(args.repeat)]
            after = ids[index * 50 - 1] if index else 0
            orm = [timed_ms(lambda a=after: orm_page(a))[0] for _ in range(args.repeat)]
            worst = max(worst, percentile(api, 0.95))
            print(f"  {label:<8} {percentile(api, 0.5):6.1f} ms {percentile(api, 0.95):6.1f} ms "
                  f"{percentile(orm, 0.5):6.1f} ms {percentile(orm, 0.95):6.1f} ms")  # fmt: skip
        verdict = "within" if worst <= TARGET_MS else "OVER"
        print(f"  worst p95 {worst:.1f} ms: {verdict} the {TARGET_MS} ms target")
        print(f"  uses recorded: {TokenUse.objects.filter(token=token).count()}")


if __name__ == "__main__":
    main()
