"""Benchmark: what ``gc.freeze`` (netralitas/lib/gc_freeze.py) spares a web worker.

    .venv/bin/python bench/gc_freeze.py

Imports the WSGI module as a gunicorn worker does (which freezes what is loaded), serves
the warm-up requests through Django's test client (which freezes again), then times full
garbage collections — the pause a request meets when one runs — with the worker's
objects frozen and unfrozen, alternating. Process CPU time, medians. Not part of the
test suite.
"""

import gc
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def full_collection_ms(rounds=15):
    times = []
    for _ in range(rounds):
        started = time.process_time()
        gc.collect()
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    from django.test import Client

    import netralitas.wsgi  # noqa: F401 — freezes at import, as in a gunicorn worker
    from netralitas.lib.gc_freeze import WARM_REQUESTS

    client = Client()
    for _ in range(WARM_REQUESTS):
        client.get("/verifikasi/")
    frozen, unfrozen = [], []
    for _ in range(3):
        frozen.append(full_collection_ms())
        count = gc.get_freeze_count()
        gc.unfreeze()
        unfrozen.append(full_collection_ms())
        gc.freeze()
    print(f"objects frozen: {count}")
    print(f"full collection, CPU median: frozen {statistics.median(frozen):.1f} ms, ", end="")
    print(f"unfrozen {statistics.median(unfrozen):.1f} ms")


if __name__ == "__main__":
    main()
