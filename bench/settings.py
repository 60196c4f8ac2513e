"""Settings for the benchmarks' gunicorn (``bench/harness.py`` ``production_environment``:
bench/signing.py, bench/archive.py, bench/api.py): production's, plus the signing
benchmark's floor view's URL. Never used outside the benchmarks."""

from netralitas.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
