"""Small builders for test data. Plain functions with keyword overrides: no magic."""

import datetime
import io
import itertools

from django.contrib.auth.models import User
from django.utils import timezone
from PIL import Image, ImageDraw

from ceremonies.models import Ceremony, Election
from pledges.models import PactTemplate
from roster.models import Agency, Employee, StaffProfile, Unit

_counter = itertools.count(1)

POINTS = "\n".join(
    [
        "Menjaga dan menegakkan prinsip netralitas Pegawai ASN sebelum, selama, dan sesudah {pemilihan};",
        "Menghindari konflik kepentingan dan tidak memihak kepada pasangan calon tertentu;",
        "Menggunakan media sosial secara bijak, tidak menyebarkan ujaran kebencian serta berita bohong;",
        "Menolak politik uang dan segala jenis pemberian dalam bentuk apapun.",
    ]
)


def nip(n=None, *, born="19850312", sex="1"):
    """A structurally valid PNS NIP, distinct for each ``n`` (up to ~240,000)."""
    n = next(_counter) if n is None else n
    block, sequence = divmod(n, 999)
    year = 2004 + (block // 12) % 20
    month = 1 + block % 12
    return f"{born}{year}{month:02d}{sex}{sequence + 1:03d}"


def agency(**kwargs):
    n = next(_counter)
    defaults = {
        "name": f"Pemerintah Kota Uji {n}",
        "short_name": f"Pemkot Uji {n}",
        "kind": Agency.Kind.CITY,
        "place_name": "Bukittinggi",
        "letterhead_lines": f"PEMERINTAH KOTA UJI {n}\nSEKRETARIAT DAERAH\nJalan Uji No. {n}",
    }
    defaults.update(kwargs)
    return Agency.objects.create(**defaults)


def unit(agency, name=None, **kwargs):
    return Unit.objects.create(agency=agency, name=name or f"Unit {next(_counter)}", **kwargs)


def employee(agency, **kwargs):
    defaults = {
        "unit": kwargs.pop("unit", None),
        "employment_type": "PNS",
        "nip": nip(),
        "name": f"Pegawai Uji {next(_counter)}, S.E.",
        "rank": "Penata Muda (III/a)",
        "position": "Analis Kebijakan",
    }
    defaults.update(kwargs)
    return Employee.objects.create(agency=agency, **defaults)


def election(**kwargs):
    defaults = {
        "name": "Pemilihan Kepala Daerah Tahun 2024",
        "short_name": "Pilkada 2024",
        "kind": Election.Kind.PILKADA,
        "voting_date": datetime.date(2024, 11, 27),
    }
    defaults.update(kwargs)
    found = Election.objects.filter(kind=defaults["kind"], voting_date=defaults["voting_date"]).first()
    return found or Election.objects.create(**defaults)


def pact_template(**kwargs):
    defaults = {
        "code": f"netralitas-{next(_counter)}",
        "title": "PAKTA INTEGRITAS NETRALITAS ASN",
        "opening": "Dengan ini menyatakan bahwa saya akan:",
        "points": POINTS,
        "closing": "Demikian pakta integritas ini saya buat dengan sebenar-benarnya.",
    }
    defaults.update(kwargs)
    return PactTemplate.objects.create(**defaults)


def ceremony(agency, **kwargs):
    defaults = {
        "election": kwargs.pop("election", None) or election(),
        "pact_template": kwargs.pop("pact_template", None) or pact_template(),
        "starts_at": timezone.now(),
        "place": "Lapangan Balai Kota",
        "leader": "Pj Wali Kota",
        "status": Ceremony.Status.OPEN,
    }
    defaults.update(kwargs)
    return Ceremony.objects.create(agency=agency, **defaults)


def user(username=None, *, role=None, agency=None, supervised=(), superuser=False, password="rahasia-uji-123"):
    username = username or f"user{next(_counter)}"
    if superuser:
        account = User.objects.create_superuser(username, password=password)
    else:
        account = User.objects.create_user(username, password=password)
    if role:
        profile = StaffProfile.objects.create(user=account, role=role, agency=agency)
        if supervised:
            profile.supervised_agencies.set(supervised)
    return account


def signature_png(width=400, height=200, *, blank=False):
    """A PNG like the signature pad sends: transparent, with a stroke unless blank."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line([(20, 150), (120, 40), (200, 160), (380, 30)], fill=(0, 0, 0, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def shown(invitation):
    """``(text format, SHA-256)`` of the text the signing page shows for ``invitation``
    now — what the page's form sends back, for tests that sign without the page."""
    from pledges import pact_text

    draft = pact_text.draft(invitation)
    return draft.text_format, draft.sha256


def shown_fields(invitation):
    """The hidden fields of the signing form for ``invitation``, as the page writes them."""
    text_format, sha256 = shown(invitation)
    return {"text_format": str(text_format), "text_sha256": sha256}


def another_invitation(invitation, name="Siti Aminah, S.Sos."):
    """A second employee of ``invitation``'s unit, invited to the same ceremony."""
    from ceremonies.models import Invitation

    other = employee(invitation.ceremony.agency, unit=invitation.unit, name=name)
    return Invitation.objects.create(ceremony=invitation.ceremony, employee=other, unit=invitation.unit)
