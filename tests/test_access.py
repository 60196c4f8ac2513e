"""Who may open every URL: one matrix of every URL × every role × two agencies.

Each URL of the project is listed in ``ROUTES`` with the kind of page it is; the
kind says what each role gets for agency A's object and agency B's. A URL that is
added without a line here fails ``test_every_url_is_in_the_matrix``. An allowed
redirect is checked to go somewhere other than the login page, so that "302" can
never hide a refusal.
"""

from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "nobody", "operator_a", "operator_b", "auditor_a", "auditor_ab", "admin")
LOGIN = "login"  # a redirect to the login page


@dataclass(frozen=True)
class Route:
    """One URL: its ``kind`` (public, account, operator, auditor), how to build it for
    agency ``side`` ("a" or "b"; ``None`` when the URL names no object), the method
    and the status an allowed user gets."""

    name: str
    kind: str
    args: object = None  # callable(world, side) -> list of URL arguments
    method: str = "get"
    ok: object = 200
    data: object = field(default_factory=dict)  # a dict, or callable(world, side) -> dict
    scoped: bool = True  # False: the arguments name no object of an agency (a file format)
    only: dict = field(default_factory=dict)  # role -> status, where a role is answered differently


def obj(attribute, *more):
    """URL arguments from the world's objects of one side: ``obj("ceremony", "pk")``."""

    def build(world, side):
        value = getattr(world, f"{attribute}_{side}")
        return [getattr(value, more[0]) if more else value.pk, *more[1:]]

    return build


def ceremony_and(*extra):
    return lambda world, side: [getattr(world, f"ceremony_{side}").pk, *extra]


def kiosk_of(world, side):
    """``[ceremony, kiosk]`` of one side: the kiosk started on that side's ceremony."""
    kiosk = getattr(world, f"kiosk_{side}")
    return [kiosk.ceremony_id, kiosk.pk]


def unit_of_side(world, side):
    """POST data naming the unit of the side's ceremony (a reminder is for one unit)."""
    return {"unit": getattr(world, f"unit_{side}").pk}


ROUTES = [
    # Public: no account; links are secrets or codes, and every role sees the same.
    Route("healthz", "public"),
    # Monitoring answers loopback (the test client's address) alike for every role; 503:
    # no background worker beats in the test world (tests/test_monitoring.py).
    Route("healthz_status", "public", ok=503),
    # Staff land on their work (a redirect); everyone else on the public home page.
    Route("roster:home", "public", only=dict.fromkeys(ROLES[2:], 302)),
    Route("roster:logo", "public", obj("agency")),
    Route("pledges:sign", "public", lambda world, side: [getattr(world, f"invitations_{side}")[1].token]),
    Route("pledges:apel", "public", obj("ceremony", "apel_token")),
    Route("pledges:verify_lookup", "public"),
    Route("pledges:verify", "public", obj("signature", "verification_code")),
    Route("pledges:document", "public", lambda world, side: [getattr(world, f"invitations_{side}")[0].token]),
    Route("pledges:pdf_status", "public", lambda world, side: [getattr(world, f"invitations_{side}")[0].token]),
    Route("pledges:my_data", "public", lambda world, side: [getattr(world, f"invitations_{side}")[0].token]),
    Route("pledges:privacy", "public", obj("agency")),
    Route("pledges:service_worker", "public"),
    Route("pledges:kiosk", "public", ok=403),  # only a device an operator made a kiosk
    Route("pledges:kiosk_sign", "public", method="post", ok=403),
    Route("pledges:kiosk_start", "operator", obj("ceremony"), method="post", ok=302, data={"name": "Meja 1"}),
    Route("pledges:kiosk_revoke", "operator", lambda world, side: kiosk_of(world, side), method="post", ok=302),
    Route("set_language", "public", method="post", ok=302, data={"language": "en", "next": "/"}),
    # Accounts.
    Route("login", "public"),
    Route("logout", "public", method="post", ok=LOGIN),  # logged out, on the login page
    Route("password_change", "account"),
    Route("password_change_done", "account"),
    Route("password_reset", "public"),
    Route("password_reset_done", "public"),
    Route("password_reset_confirm", "public", lambda world, side: ["MQ", "set-password"], scoped=False),
    Route("password_reset_complete", "public"),
    # SSO: not configured in this world (no OIDC_ISSUER), so not there for anyone;
    # configured, against a real provider: tests/roster/test_sso.py.
    Route("sso_login", "public", ok=404),
    Route("sso_callback", "public", ok=404),
    # The secretariat (operators of one agency).
    Route("roster:employees", "operator"),
    Route("roster:employee_add", "operator"),
    Route("roster:employee_edit", "operator", lambda world, side: [getattr(world, f"employees_{side}")[0].pk]),
    Route(  # starts the personal data job
        "pledges:employee_data",
        "operator",
        lambda world, side: [getattr(world, f"employees_{side}")[0].pk],
        method="post",
        ok=302,
    ),
    Route("roster:import", "operator"),
    Route("roster:import_confirm", "operator", obj("preview"), method="post", ok=302),  # starts the import job
    Route("roster:export", "operator", lambda world, side: ["csv"], method="post", ok=302, scoped=False),
    Route("roster:template", "operator"),
    Route("roster:units", "operator"),
    Route("roster:unit_edit", "operator", obj("unit")),
    Route("ceremonies:index", "operator"),
    Route("ceremonies:create", "operator"),
    Route("ceremonies:detail", "operator", obj("ceremony")),
    Route("ceremonies:edit", "operator", obj("ceremony")),
    Route("ceremonies:invite", "operator", obj("ceremony")),
    Route("ceremonies:set_status", "operator", ceremony_and("closed"), method="post", ok=302),
    Route("ceremonies:close_confirm", "operator", obj("ceremony")),
    Route("ceremonies:board", "operator", obj("ceremony")),
    Route("ceremonies:board_data", "operator", obj("ceremony")),
    Route("ceremonies:unsigned", "operator", obj("ceremony")),
    Route(
        "ceremonies:remind_whatsapp",
        "operator",
        lambda world, side: [getattr(world, f"ceremony_{side}").pk, getattr(world, f"invitations_{side}")[1].pk],
        method="post",
        ok=302,  # to wa.me
    ),
    Route("ceremonies:remind_unit_message", "operator", obj("ceremony"), method="post", ok=302, data=unit_of_side),
    Route("ceremonies:remind_sheet", "operator", obj("ceremony"), method="post", ok=302, data=unit_of_side),
    Route("ceremonies:remind_email", "operator", obj("ceremony"), method="post", ok=302, data=unit_of_side),
    Route("ceremonies:poster", "operator", obj("ceremony")),
    Route("ceremonies:link_sheets", "operator", obj("ceremony"), method="post", ok=302),
    Route("ceremonies:invitations_export", "operator", ceremony_and("csv"), method="post", ok=302),
    # The Inspektorat (auditors of the supervised agencies, and admins).
    Route("inspektorat:index", "auditor"),
    Route("inspektorat:ceremony", "auditor", obj("ceremony")),
    Route("inspektorat:ceremony_zip", "auditor", obj("ceremony")),
    Route(
        "inspektorat:unit_zip",
        "auditor",
        lambda world, side: [getattr(world, f"ceremony_{side}").pk, getattr(world, f"unit_{side}").pk],
    ),
    Route("inspektorat:recap_pdf", "auditor", obj("ceremony")),
    Route("inspektorat:recap_table", "auditor", ceremony_and("xlsx"), method="post", ok=302),
    Route("inspektorat:pact_pdf", "auditor", obj("signature")),
    Route("inspektorat:trail", "auditor"),
    Route("inspektorat:trail_export", "auditor", lambda world, side: ["csv"], method="post", ok=302, scoped=False),
    # Background jobs and their files: one person's own (agency A's job is operator A's,
    # agency B's is auditor AB's); anyone else — a colleague, another agency — gets a 404.
    Route("jobs:index", "account"),
    Route("jobs:detail", "owner", obj("job")),
    Route("jobs:progress", "owner", obj("job")),
    Route("jobs:download", "owner", obj("job")),
    # The read API: a token, never a session (tests/api/test_access.py has the matrix of
    # every API URL × every kind of token); its contract and documentation are public.
    Route("api:ceremonies", "api"),
    Route("api:ceremony", "api", obj("ceremony")),
    Route("api:ceremony_progress", "api", obj("ceremony")),
    Route("api:ceremony_recaps", "api", obj("ceremony")),
    Route(
        "api:ceremony_recap_file",
        "api",
        lambda world, side: [getattr(world, f"ceremony_{side}").pk, getattr(world, f"job_{side}").pk],
    ),
    Route("api:invitations", "api"),
    Route("api:signatures", "api"),
    Route("api:signature", "api", obj("signature")),
    Route("api:signature_pdf", "api", obj("signature")),
    Route("api:openapi", "public"),
    Route("api:docs", "public"),
    # The berita acara pemusnahan: operators and auditors of the agency alike.
    Route("privacy:destructions", "staff"),
    Route("privacy:berita_acara", "staff", obj("destruction")),
]
OWNERS = {"a": "operator_a", "b": "auditor_ab"}


def expected(route, role, side):
    """The status ``role`` gets for ``route`` built on agency ``side``'s object."""
    if role in route.only:
        return route.only[role]
    if route.kind == "public":
        return route.ok
    if route.kind == "api":
        return 401  # a staff session is no API token
    if role == "anonymous":
        return LOGIN
    if route.kind == "account":
        return route.ok
    if route.kind == "owner":
        return route.ok if role == OWNERS[side] else 404
    own = not (route.args and route.scoped) or role.endswith(f"_{side}") or role in ("auditor_ab", "admin")
    if route.kind == "operator":
        if role not in ("operator_a", "operator_b"):
            return 403
        return route.ok if own else 404
    if route.kind == "auditor":
        if role not in ("auditor_a", "auditor_ab", "admin"):
            return 403
        return route.ok if own else 404
    if route.kind == "staff":
        if role not in ("operator_a", "operator_b", "auditor_a", "auditor_ab", "admin"):
            return 403
        return route.ok if own else 404
    raise AssertionError(f"unknown kind {route.kind!r}")


def url_names(patterns=None, namespace=""):
    """Every named URL of the project, outside Django's own admin site."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_url_is_in_the_matrix():
    listed = [route.name for route in ROUTES]
    assert len(listed) == len(set(listed)), "a URL is listed twice"
    assert set(url_names()) == set(listed), {
        "missing from ROUTES": sorted(set(url_names()) - set(listed)),
        "no such URL": sorted(set(listed) - set(url_names())),
    }


@pytest.fixture
def matrix_world(world, sign):
    """The two-agency world with a logo each, one signed pact (with its PDF) per
    ceremony, a finished job with its file per agency, and a finished roster preview
    per operator."""
    from django.utils import timezone

    from jobs.models import Job
    from pledges.models import Kiosk
    from pledges.pdf.certificates import create_dev_certificate

    for side in ("a", "b"):
        agency = getattr(world, f"agency_{side}")
        agency.logo.save("lambang.png", ContentFile(factories.signature_png(40, 40)))
        create_dev_certificate(agency)
        setattr(world, f"signature_{side}", sign(getattr(world, f"invitations_{side}")[0], pdf=True))
        job = Job(
            kind="recap_table",
            title=f"Rekap {side}",
            user=getattr(world, OWNERS[side]),
            agency=agency,
            status=Job.Status.DONE,
            filename="rekap.csv",
            content_type="text/csv",
            result={"rows": 1},
            params={"ceremony": getattr(world, f"ceremony_{side}").pk, "format": "csv"},  # a recap the API lists
        )
        job.file.save("rekap.csv", ContentFile(b"No,Nama\n1,Budi\n"), save=False)
        job.save()
        setattr(world, f"job_{side}", job)
        preview = Job.objects.create(
            kind="roster_preview",
            title="Pratinjau",
            user=getattr(world, f"operator_{side}"),
            agency=agency,
            status=Job.Status.DONE,
            params={"parsed": "jobs/work/none.json.gz", "original": "p.csv", "full_roster": False},
        )
        setattr(world, f"preview_{side}", preview)
        kiosk = Kiosk.objects.create(
            ceremony=getattr(world, f"ceremony_{side}"),
            name="Meja 1",
            token_sha256=side * 64,
            last_seen_at=timezone.now(),
        )
        setattr(world, f"kiosk_{side}", kiosk)
        setattr(world, f"destruction_{side}", _destruction(agency))
    from api.models import ApiToken

    world.api_token_ab = ApiToken(name="Uji", auditor=world.auditor_ab.staff_profile)
    world.api_token_ab.secret = world.api_token_ab.issue()
    world.api_token_ab.save()
    return world


def _destruction(agency):
    """A berita acara pemusnahan of ``agency``, stored as the retention run stores one."""
    from django.core.files.storage import default_storage

    from pledges.models import Destruction, sha256_hex

    pdf = b"%PDF-1.7 berita acara uji"
    name = default_storage.save(f"berita-acara/{agency.pk}/uji.pdf", ContentFile(pdf))
    return Destruction.objects.create(
        agency=agency, number=f"PMS/{agency.pk}/uji", file=name, sha256=sha256_hex(pdf), size=len(pdf)
    )


def answer(client, route, url, data):
    response = getattr(client, route.method)(url, data)
    if hasattr(response, "streaming_content"):
        b"".join(response.streaming_content)  # finish a streamed download, as a browser would
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    if route.kind in ("operator", "auditor") and response.status_code == 200:
        # Staff pages and downloads carry personal links, codes and NIPs: never cached.
        assert "no-store" in response.get("Cache-Control", ""), f"{url} may be cached"
    return response.status_code


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_access_matrix(client, matrix_world, route):
    world = matrix_world
    sides = ("a", "b") if route.args and route.scoped else ("a",)
    urls = {side: reverse(route.name, args=route.args(world, side) if route.args else None) for side in sides}
    got, want = {}, {}
    for role in ROLES:
        for side, url in urls.items():
            # Signed in afresh for each side: starting a kiosk ends the session it came from.
            client.logout()
            if role != "anonymous":
                client.force_login(getattr(world, role))
            want[(role, side)] = expected(route, role, side)
            data = route.data(world, side) if callable(route.data) else route.data
            got[(role, side)] = answer(client, route, url, data)
    wrong = {key: f"got {got[key]}, want {want[key]}" for key in want if got[key] != want[key]}
    assert not wrong, f"{route.name}: {wrong}"
