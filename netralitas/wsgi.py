"""The WSGI application gunicorn serves (README, "Produksi")."""

import os

from django.core.wsgi import get_wsgi_application

from netralitas.lib.gc_freeze import freeze_worker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "netralitas.settings")

application = get_wsgi_application()

# Each gunicorn worker imports this module: its long-lived objects leave the
# garbage collector's passes now and once it is warm.
freeze_worker()
