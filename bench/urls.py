"""Production's URLs plus the benchmark's floor view (``bench.views.floor``); mounted
only by ``bench.settings``, never in production."""

from django.urls import re_path

from bench.views import floor
from netralitas.urls import handler400, handler403, handler404, handler500  # noqa: F401
from netralitas.urls import urlpatterns as production_urlpatterns

urlpatterns = [
    re_path(r"^bench/floor/(?P<token>[A-Za-z0-9_-]{16,64})/$", floor, name="bench_floor"),
    *production_urlpatterns,
]
