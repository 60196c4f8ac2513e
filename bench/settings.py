"""Settings for the signing benchmark's server (``bench/signing.py``): production's,
plus the floor view's URL. Never used outside the benchmark."""

from netralitas.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
