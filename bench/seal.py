"""Benchmark: what a long-term seal (PAdES B-LT) costs over the default B-B.

    make bench-seal                     # 30 pacts
    make bench-seal BENCH_ARGS="-n 100"

Starts the test suite's local PKI (tests/pki.py: root, intermediate, OCSP, CRLs and a
TSA with basic authentication, served over HTTP on loopback), then builds the same
pacts twice in one process: with ``TSA_URL`` set (a B-T timestamp, and the OCSP
answers and CRLs of the seal's and the TSA's chains fetched and embedded: B-LT) and
without (B-B, the floor). Prints the
medians and their ratio. A real TSA adds its network round trips on top.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="number of pacts (default 30)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netralitas-bench-seal-") as tmp:
        from bench.pdf import make_signatures, setup_django

        setup_django(Path(tmp))
        from django.conf import settings

        from pledges.pdf.pact import build_signed_pdf
        from pledges.pdf.seal import seal_facts
        from tests import pki

        local = pki.start(Path(tmp) / "pki")
        signatures = make_signatures(args.n + 1)
        agency = signatures[0].invitation.ceremony.agency
        agency.certificate_path = str(local.agency_p12)
        agency.certificate_password_env = "BENCH_SEAL_PASSWORD"
        agency.save()
        os.environ["BENCH_SEAL_PASSWORD"] = pki.P12_PASSWORD
        for signature in signatures:
            signature.invitation.ceremony.agency = agency

        def timed(tsa_url):
            settings.TSA_URL, settings.TSA_USERNAME, settings.TSA_PASSWORD = tsa_url, pki.TSA_USER, pki.TSA_PASSWORD
            build_signed_pdf(signatures[0])  # warm-up: fonts, key, the TSA's first token
            times, levels = [], set()
            for signature in signatures[1:]:
                start = time.perf_counter()
                data = build_signed_pdf(signature)
                times.append((time.perf_counter() - start) * 1000)
                levels.add(seal_facts(data)[0])
            return statistics.median(times), levels

        long_term, lt_levels = timed(local.tsa_url)
        basic, bb_levels = timed("")
        local.close()
        assert lt_levels == {"B-LT"} and bb_levels == {"B-B"}, (lt_levels, bb_levels)
        print(f"pacts: {args.n}")
        print(f"B-LT (TSA, OCSP, CRL on loopback)  median {long_term:7.1f} ms")
        print(f"B-B  (floor, same pacts)           median {basic:7.1f} ms")
        print(f"ratio B-LT/B-B                     {long_term / basic:.2f}")


if __name__ == "__main__":
    main()
