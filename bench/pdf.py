"""Benchmark: signed pact PDFs against a plain WeasyPrint render of the same pact.

    make bench-pdf                      # 40 pacts
    make bench-pdf BENCH_ARGS="-n 200"

For N signatures it times, in one run and one process:

* signed — what the worker does per signature: layout with the shared renderer,
  PDF/A, vector QR and the agency's PAdES seal (``pledges.pdf.pact.build_signed_pdf``);
* plain  — the same pact written the straightforward way: one ``HTML(...).write_pdf()``
  with its stylesheet linked and the QR code as segno SVG, no signature.

It prints the median milliseconds of each and their ratio, and checks that every
signed result is a one-page PDF/A whose signature validates. Not part of the
test suite: timings depend on the machine.
"""

import argparse
import base64
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(workdir):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["NETRALITAS_DATA_DIR"] = str(workdir)
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "netralitas.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_signatures(count):
    from ceremonies.models import Ceremony, Election, Invitation
    from pledges.models import PactTemplate
    from pledges.pdf.certificates import create_dev_certificate
    from pledges.services import signature_create
    from pledges.signature_image import clean_signature_image
    from roster.models import Agency, Employee, Unit
    from tests.factories import nip, shown, signature_png

    agency = Agency.objects.create(
        name="Pemerintah Kota Bukittinggi",
        short_name="Pemkot Bukittinggi",
        kind="city",
        place_name="Bukittinggi",
        letterhead_lines="PEMERINTAH KOTA BUKITTINGGI\nSEKRETARIAT DAERAH\nBalai Kota Bukittinggi, Sumatera Barat",
    )
    create_dev_certificate(agency)
    unit = Unit.objects.create(agency=agency, name="Dinas Kesehatan")
    fixtures = ROOT / "fixtures" / "demo.json"
    import json

    template_fields = next(o for o in json.loads(fixtures.read_text()) if o["model"] == "pledges.pacttemplate")[
        "fields"
    ]
    template = PactTemplate.objects.create(**{k: v for k, v in template_fields.items() if k != "created_at"})
    election = Election.objects.create(
        name="Pemilihan Kepala Daerah Tahun 2024", short_name="Pilkada 2024", kind="pilkada", voting_date="2024-11-27"
    )
    from django.utils import timezone

    ceremony = Ceremony.objects.create(
        agency=agency,
        election=election,
        pact_template=template,
        starts_at=timezone.now(),
        place="Lapangan Balai Kota",
        leader="Pjs Wali Kota",
        status=Ceremony.Status.OPEN,
    )
    image = clean_signature_image("data:image/png;base64," + base64.b64encode(signature_png()).decode())
    signatures = []
    for i in range(count):
        employee = Employee.objects.create(
            agency=agency,
            unit=unit,
            nip=nip(i + 1),
            name=f"Pegawai Nomor {i + 1} Sutan Rajo Mangkuto, S.E., M.Si.",
            rank="Penata Muda Tingkat I (III/b)",
            position="Analis Kebijakan Ahli Muda pada Bidang Pencegahan dan Pengendalian Penyakit",
        )
        invitation = Invitation.objects.create(ceremony=ceremony, employee=employee, unit=unit)
        signature, _ = signature_create(invitation=invitation, shown=shown(invitation), image_png=image, method="link")
        signatures.append(signature)
    return signatures


def plain_render(signature):
    """The same pact, rendered the straightforward way: no shared state, QR as SVG."""
    import segno
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from netralitas.lib.pdf.fetcher import BASE_URL, static_url
    from pledges.pdf.pact import pact_context

    context = pact_context(signature)
    svg = io.BytesIO()
    segno.make(signature.public_url, error="m").save(svg, kind="svg", xmldecl=False, scale=2, border=0)
    html = render_to_string("pledges/pdf/pact.html", context)
    html = html.replace("<head>", f'<head><link rel="stylesheet" href="{static_url("pdf/pact.css")}">').replace(
        f'<div class="qr" id="{context["qr_id"]}"></div>',
        f'<div class="qr" id="{context["qr_id"]}"><img src="data:image/svg+xml;base64,'
        f'{base64.b64encode(svg.getvalue()).decode()}" style="width:21mm;height:21mm"></div>',
    )
    return HTML(string=html, base_url=BASE_URL, url_fetcher=PlainFetcher()).write_pdf()


class PlainFetcher:
    """For the baseline only: our fetcher plus the QR's SVG data URL."""

    def __new__(cls):
        from weasyprint.urls import URLFetcherResponse

        from netralitas.lib.pdf.fetcher import ProjectFilesFetcher

        class Fetcher(ProjectFilesFetcher):
            def fetch(self, url, headers=None):
                if url.startswith("data:image/svg+xml;base64,"):
                    body = base64.b64decode(url.split(",", 1)[1])
                    return URLFetcherResponse("data:image/svg+xml", body, {"Content-Type": "image/svg+xml"})
                return super().fetch(url, headers)

        return Fetcher()


def check_signed(data, agency):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from pledges.pdf.certificates import trust_roots

    reader = PdfFileReader(io.BytesIO(data))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(trust_roots=trust_roots(agency))
    status = validate_pdf_signature(reader.embedded_signatures[0], context)
    assert status.intact and status.valid and status.coverage.name == "ENTIRE_FILE", status
    metadata = reader.root["/Metadata"].get_object().data
    assert b"pdfaid:part" in metadata and b"/GTS_PDFA1" in data


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=40, help="number of pacts (default 40)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp:
        setup_django(Path(tmp))
        from pledges.pdf.pact import build_signed_pdf

        signatures = make_signatures(args.n)
        agency = signatures[0].invitation.ceremony.agency
        # One warm-up each: imports, font loading, key loading happen once per worker.
        build_signed_pdf(signatures[0])
        plain_render(signatures[0])
        signed_ms, plain_ms, sizes = [], [], []
        for signature in signatures:
            start = time.perf_counter()
            data = build_signed_pdf(signature)
            signed_ms.append((time.perf_counter() - start) * 1000)
            sizes.append(len(data))
            start = time.perf_counter()
            plain_render(signature)
            plain_ms.append((time.perf_counter() - start) * 1000)
            check_signed(data, agency)
        signed, plain = statistics.median(signed_ms), statistics.median(plain_ms)
        print(f"pacts: {args.n}")
        print(f"signed PDF/A + PAdES  median {signed:7.1f} ms  (min {min(signed_ms):.1f}, max {max(signed_ms):.1f})")
        print(f"plain WeasyPrint      median {plain:7.1f} ms  (min {min(plain_ms):.1f}, max {max(plain_ms):.1f})")
        print(f"ratio signed/plain    {signed / plain:.2f}")
        print(f"signed PDF size       median {statistics.median(sizes) / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
