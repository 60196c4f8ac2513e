"""Print where the app is served (``PUBLIC_BASE_URL``) and, when a phone can reach
it, a QR code of it in the terminal — the first thing ``make run`` shows."""

import io
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.core.management.base import BaseCommand

from netralitas.lib.address import is_loopback


class Command(BaseCommand):
    help = "Print the public address of the app and a QR code of it for a phone."

    def handle(self, *args, **options):
        url = settings.PUBLIC_BASE_URL + "/"
        self.stdout.write(f"Netralitas: {url}  (akun demo: lihat README; hentikan dengan Ctrl-C)")
        if is_loopback(urlsplit(url).hostname or ""):
            self.stdout.write(
                "Alamat ini hanya terbuka dari mesin ini. Untuk mencoba dari ponsel di Wi-Fi yang sama: "
                "make run HOST=0.0.0.0"
            )
            return
        self.stdout.write("Pindai dengan ponsel di jaringan Wi-Fi yang sama:")
        drawing = io.StringIO()
        segno.make(url, error="m").terminal(out=drawing, compact=True)
        self.stdout.write(drawing.getvalue(), ending="")
