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

    make bench-pdf BENCH_ARGS="--compare-shortcuts"                 # 3 ceremonies × 200 pacts
    make bench-pdf BENCH_ARGS="--compare-shortcuts --ceremonies 5 -n 500"

measures instead what each shortcut around a library on the signed path buys
(docs/performance.md, "Shortcuts around libraries"): the same pacts of several
ceremonies (each its own agency and certificate), each made with both shortcuts, with
the signer's parts laid out by WeasyPrint instead of drawn from a plan
(``netralitas.lib.pdf.weasyprint_pinned``), with pyHanko's own CMS instead of the
template (``pledges.pdf.pyhanko_pinned``), and with neither — in turn, the order
rotating per pact, after one warm-up pact per ceremony and configuration. It reports
process CPU time (``time.process_time``, steadier than wall time on a shared machine)
per PDF, and each shortcut's gain against the house rule (≥ 10 % of its path).
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


AGENCIES = [
    ("Pemerintah Kota Bukittinggi", "Pemkot Bukittinggi", "city", "Bukittinggi"),
    ("Pemerintah Kabupaten Agam", "Pemkab Agam", "regency", "Lubuk Basung"),
    ("Pemerintah Provinsi Sumatera Barat", "Pemprov Sumbar", "province", "Padang"),
    ("Pemerintah Kota Padang Panjang", "Pemkot Padang Panjang", "city", "Padang Panjang"),
    ("Pemerintah Kabupaten Tanah Datar", "Pemkab Tanah Datar", "regency", "Batusangkar"),
]


def make_signatures(count):
    """``count`` signatures of one ceremony."""
    return make_ceremonies(count, 1)[0]


def make_ceremonies(count, ceremonies):
    """``count`` signatures in each of ``ceremonies`` ceremonies, each of its own agency
    (own letterhead and seal certificate): one list per ceremony."""
    import json

    from django.utils import timezone

    from ceremonies.models import Ceremony, Election, Invitation
    from pledges.models import PactTemplate
    from pledges.pdf.certificates import create_dev_certificate
    from pledges.services import signature_create
    from pledges.signature_image import clean_signature_image
    from roster.models import Agency, Employee, Unit
    from tests.factories import nip, shown, signature_png

    fixtures = ROOT / "fixtures" / "demo.json"
    template_fields = next(o for o in json.loads(fixtures.read_text()) if o["model"] == "pledges.pacttemplate")[
        "fields"
    ]
    template = PactTemplate.objects.create(**{k: v for k, v in template_fields.items() if k != "created_at"})
    election = Election.objects.create(
        name="Pemilihan Kepala Daerah Tahun 2024", short_name="Pilkada 2024", kind="pilkada", voting_date="2024-11-27"
    )
    image = clean_signature_image("data:image/png;base64," + base64.b64encode(signature_png()).decode())
    per_ceremony = []
    for number in range(ceremonies):
        name, short_name, kind, place = AGENCIES[number % len(AGENCIES)]
        agency = Agency.objects.create(
            name=name if number < len(AGENCIES) else f"{name} {number}",
            short_name=short_name,
            kind=kind,
            place_name=place,
            letterhead_lines=f"{name.upper()}\nSEKRETARIAT DAERAH\n{place}, Sumatera Barat",
        )
        create_dev_certificate(agency)
        unit = Unit.objects.create(agency=agency, name="Dinas Kesehatan")
        ceremony = Ceremony.objects.create(
            agency=agency,
            election=election,
            pact_template=template,
            starts_at=timezone.now(),
            place="Lapangan Balai Kota",
            leader="Pjs Wali Kota",
            status=Ceremony.Status.OPEN,
        )
        signatures = []
        for i in range(count):
            employee = Employee.objects.create(
                agency=agency,
                unit=unit,
                nip=nip(number * count + i + 1),
                name=f"Pegawai Nomor {i + 1} Sutan Rajo Mangkuto, S.E., M.Si.",
                rank="Penata Muda Tingkat I (III/b)",
                position="Analis Kebijakan Ahli Muda pada Bidang Pencegahan dan Pengendalian Penyakit",
            )
            invitation = Invitation.objects.create(ceremony=ceremony, employee=employee, unit=unit)
            signature, _ = signature_create(
                invitation=invitation, shown=shown(invitation), image_png=image, method="link"
            )
            signatures.append(signature)
        per_ceremony.append(signatures)
    return per_ceremony


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


# The shortcuts around libraries on the signed-PDF path (docs/performance.md, issue 19):
# each on (as shipped) or replaced by the plain public-API path it falls back to.
CONFIGURATIONS = {
    "both shortcuts (as shipped)": (True, True),
    "overlay laid out by WeasyPrint": (False, True),
    "CMS built by pyHanko": (True, False),
    "neither (public APIs only)": (False, False),
}


def compare_shortcuts(per_ceremony, check_every):
    """CPU per signed PDF with each shortcut on and off, alternating per pact."""
    from netralitas.lib.pdf.weasyprint_pinned.overlays import direct_overlays
    from pledges.pdf.certificates import signer_for
    from pledges.pdf.pact import build_signed_pdf, compose_pact
    from pledges.pdf.pyhanko_pinned import cms_templates

    def use(name):
        direct_overlays.enabled, cms_templates.enabled = CONFIGURATIONS[name]

    names = list(CONFIGURATIONS)
    # A worker after its first pact of each ceremony: fonts, bases, plans, keys and
    # CMS templates are warm. Not timed.
    for signatures in per_ceremony:
        for name in names:
            use(name)
            build_signed_pdf(signatures[0])
        use(names[0])
        agency = signatures[0].invitation.ceremony.agency
        assert compose_pact(signatures[1]).direct, "the direct overlay is not in use"
        assert any(signer_for(agency).templates.values()), "the CMS template is not in use"
    # The ceremonies' pacts interleaved, each made in every configuration, the order
    # rotating from one pact to the next.
    queue = [signature for group in zip(*(s[1:] for s in per_ceremony), strict=True) for signature in group]
    cpu, wall = {name: [] for name in names}, {name: [] for name in names}
    for index, signature in enumerate(queue):
        turn = index % len(names)
        for name in names[turn:] + names[:turn]:
            use(name)
            started_wall, started_cpu = time.perf_counter(), time.process_time()
            data = build_signed_pdf(signature)
            cpu[name].append((time.process_time() - started_cpu) * 1000)
            wall[name].append((time.perf_counter() - started_wall) * 1000)
            if index % check_every == 0:
                check_signed(data, signature.invitation.ceremony.agency)
    use(names[0])
    print(f"pacts: {len(per_ceremony)} ceremonies × {len(queue) // len(per_ceremony)} (after one warm-up pact each),")
    print(f"each made in all {len(names)} configurations, alternating; CPU = time.process_time()")
    print(f"  {'configuration':<34} {'CPU mean':>9} {'CPU median':>11} {'wall median':>12}  ms per PDF")
    mean = {name: statistics.fmean(cpu[name]) for name in names}
    for name in names:
        print(
            f"  {name:<34} {mean[name]:9.1f} {statistics.median(cpu[name]):11.1f} {statistics.median(wall[name]):12.1f}"
        )
    print("gain of each shortcut: 1 − CPU with it / CPU with its plain path (house rule: stays if ≥ 10 %)")
    for shortcut, plain, other_off, both_off in (
        ("direct overlay (weasyprint_pinned)", names[1], names[2], names[3]),
        ("CMS template (pyhanko_pinned)", names[2], names[1], names[3]),
    ):
        gain = 1 - mean[names[0]] / mean[plain]
        alone = 1 - mean[other_off] / mean[both_off]
        verdict = "stays" if gain >= 0.10 else "goes"
        print(
            f"  {shortcut:<34} {gain:6.1%} ({mean[plain] - mean[names[0]]:.1f} ms/PDF); "
            f"with the other shortcut off {alone:6.1%} — {verdict}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, help="pacts (default 40; with --compare-shortcuts, per ceremony: 200)")
    parser.add_argument(
        "--compare-shortcuts",
        action="store_true",
        help="CPU per PDF with the shortcuts around WeasyPrint and pyHanko on and off (see docs/performance.md)",
    )
    parser.add_argument("--ceremonies", type=int, default=3, help="with --compare-shortcuts (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="netralitas-bench-") as tmp:
        setup_django(Path(tmp))
        from pledges.pdf.pact import build_signed_pdf

        if args.compare_shortcuts:
            compare_shortcuts(make_ceremonies(args.n or 200, args.ceremonies), check_every=25)
            return
        args.n = args.n or 40

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
