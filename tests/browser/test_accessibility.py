"""WCAG 2.1 AA: axe-core finds nothing on any page, at 360 and 1280 px.

Every URL pattern of the project (the resolver's, as ``tests/test_url_walk.py`` walks
them; the Django admin's own pages aside) is either visited here — by the role that
sees it, with real ids and tokens from a two-agency world, in each state that shows
different markup (a form with its errors, a link before and after signing, an apel
not yet open or closed, a job queued, failed or done, a menu opened) — or listed in
:data:`NOT_PAGES` with the reason it is no page. A pattern added without either
fails ``test_every_page_pattern_is_checked``. The error pages (400, 403, 404, 429,
CSRF) are reached as users reach them; the 500 page is what ``handler500`` renders.

axe-core is vendored (``tests/browser/vendor/axe-core``) and run by ``axe.check``.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ceremonies.models import Ceremony, Invitation
from jobs.models import Job
from pledges.documents import pact_document_create
from privacy import retention
from tests import factories
from tests.browser.axe import add_axe, check
from tests.browser.states import (
    fill_and_submit,
    follow_link,
    open_menu,
    server_error,
    sign_without_drawing,
    submit,
    submit_unchecked,
    switch_to_english,
    until_refused,
    upload_roster,
    without_csrf_cookie,
)
from tests.browser.test_audit import in_own_thread, log_in
from tests.test_url_walk import leaves

# URL patterns that answer no HTML page of their own, and why.
NOT_PAGES = {
    "healthz": "plain text for the load balancer",
    "healthz_status": "JSON for monitoring (loopback or MONITORING_TOKEN)",
    "set_language": "POST only; its button is on every page",
    "logout": "POST only; ends on the login page",
    "sso_login": "a redirect to the SSO provider (404 without OIDC_ISSUER)",
    "sso_callback": "the SSO provider's way back: a redirect to the role's home or to the login page",
    "roster:logo": "an image (shown on the public pages, with its alternative text)",
    "roster:import_confirm": "POST only; starts the import job (its page is a job page)",
    "roster:export": "POST only; starts a job",
    "roster:template": "an xlsx download",
    "pledges:my_data": "a ZIP download (the signer's personal data package)",
    "pledges:service_worker": "JavaScript: the personal links' service worker",
    "pledges:kiosk_sign": "POST only; the kiosk's signing step (its page is checked in tests/browser/test_kiosk.py)",
    "pledges:kiosk_start": "POST only; turns the device into a kiosk, redirects to the kiosk's start page",
    "pledges:kiosk_revoke": "POST only; redirects to the apel",
    "privacy:berita_acara": "a PDF download (the berita acara pemusnahan)",
    "pledges:employee_data": "POST only; starts the personal data job (its page is a job page)",
    "ceremonies:set_status": "POST only; redirects to the apel",
    "ceremonies:board_data": "the board's numbers, swapped into the board page (checked there)",
    "ceremonies:remind_whatsapp": "POST only; redirects to wa.me",
    "ceremonies:remind_unit_message": "POST only (the copy button's record)",
    "ceremonies:remind_sheet": "POST only; starts a job",
    "ceremonies:remind_email": "POST only; starts a job",
    "ceremonies:poster": "a PDF",
    "ceremonies:link_sheets": "POST only; starts a job",
    "ceremonies:invitations_export": "POST only; starts a job",
    "inspektorat:ceremony_zip": "a ZIP download",
    "inspektorat:unit_zip": "a ZIP download",
    "inspektorat:recap_pdf": "a PDF",
    "inspektorat:recap_table": "POST only; starts a job",
    "inspektorat:pact_pdf": "a PDF",
    "inspektorat:trail_export": "POST only; starts a job",
    "pledges:document": "the signed PDF",
    "pledges:pdf_status": "JSON polled by the confirmation page",
    "jobs:progress": "the progress bar, swapped into the job page (checked there)",
    "jobs:download": "a job's file",
    "api:ceremonies": "JSON for the agency's systems (API token)",
    "api:ceremony": "JSON for the agency's systems (API token)",
    "api:ceremony_progress": "JSON for the agency's systems (API token)",
    "api:ceremony_recaps": "JSON for the agency's systems (API token)",
    "api:ceremony_recap_file": "a recap file (API token)",
    "api:invitations": "JSON for the agency's systems (API token)",
    "api:signatures": "JSON for the agency's systems (API token)",
    "api:signature": "JSON for the agency's systems (API token)",
    "api:signature_pdf": "the signed PDF (API token)",
    "api:openapi": "the OpenAPI 3 document (JSON); its page is api:docs",
}


def api_operations(page, ctx):
    """Swagger UI draws the documentation from the OpenAPI document after loading."""
    page.wait_for_selector(".opblock")


def api_operation_open(page, ctx):
    api_operations(page, ctx)
    page.click("#operations-signatures-signatures_list .opblock-summary-control")
    page.wait_for_selector(".parameters")


@dataclass
class Visit:
    """One page in one state: ``name`` is its URL pattern (``None`` for an error
    page), ``args(world)`` its path parameters, ``then(page, ctx)`` what a user does
    on it before it is checked (type into a form and send it, open a menu)."""

    label: str
    name: str | None = None
    args: object = None
    query: str = ""
    status: int = 200
    then: object = None
    settings: dict = field(default_factory=dict)

    def url(self, world):
        query = self.query(world) if callable(self.query) else self.query
        return reverse(self.name, args=self.args(world) if self.args else None) + query if self.name else query


def token(index, side="a"):
    return lambda world: [getattr(world, f"invitations_{side}")[index].token]


def pk(attribute):
    return lambda world: [getattr(world, attribute).pk]


WRONG_PASSWORD = {"username": "operator_a", "password": "bukan-sandinya"}
# SSO configured, its provider on a port nobody answers (the button needs no provider;
# following it ends on the login page with the sentence that says so).
SSO = {"OIDC_ISSUER": "http://127.0.0.1:9", "OIDC_CLIENT_ID": "netralitas", "OIDC_CLIENT_SECRET": ""}
PAGES = {
    "anonymous": [
        Visit("home", "roster:home"),
        Visit("login", "login"),
        Visit("login, wrong password", "login", then=fill_and_submit(WRONG_PASSWORD, "Masuk")),
        Visit("login with SSO", "login", settings=SSO),
        Visit("login, SSO only", "login", settings={**SSO, "PASSWORD_LOGIN": False}),
        Visit("login, SSO provider down", "login", settings=SSO, then=follow_link("Masuk dengan SSO")),
        Visit("password reset", "password_reset", settings={"PASSWORD_RESET_ENABLED": True}),
        Visit("password reset without mail", "password_reset", settings={"PASSWORD_RESET_ENABLED": False}),
        Visit("password reset sent", "password_reset_done", settings={"PASSWORD_RESET_ENABLED": True}),
        Visit(
            "password reset link",
            "password_reset_confirm",
            lambda world: world.reset_link,
            settings={"PASSWORD_RESET_ENABLED": True},
        ),
        Visit(
            "password reset link, mismatched passwords",
            "password_reset_confirm",
            lambda world: world.reset_link,
            settings={"PASSWORD_RESET_ENABLED": True},
            then=fill_and_submit({"new_password1": "x7-Kompleks-1", "new_password2": "lain"}, "Simpan kata sandi"),
        ),
        Visit(
            "password reset link used",
            "password_reset_confirm",
            lambda world: ["MQ", "set-password"],
            settings={"PASSWORD_RESET_ENABLED": True},
        ),
        Visit("password reset done", "password_reset_complete", settings={"PASSWORD_RESET_ENABLED": True}),
        Visit("signing page", "pledges:sign", token(1)),
        Visit("signing page, pad left empty", "pledges:sign", token(1), then=sign_without_drawing),
        Visit("signing not yet open", "pledges:sign", lambda world: [world.scheduled_invitation.token]),
        Visit("signing closed", "pledges:sign", lambda world: [world.closed_invitation.token]),
        Visit("signed, PDF ready", "pledges:sign", token(0)),
        Visit("signed, PDF being made", "pledges:sign", token(2)),
        Visit("unknown signing link", "pledges:sign", lambda world: ["A" * 16], status=404),
        Visit("apel", "pledges:apel", lambda world: [world.ceremony_a.apel_token]),
        Visit(
            "apel, wrong code",
            "pledges:apel",
            lambda world: [world.ceremony_a.apel_token],
            then=lambda page, ctx: fill_and_submit(
                {"nip": ctx.world.employees_a[1].nip, "code": "000000"}, "Buka pakta saya"
            )(page, ctx),
        ),
        Visit(
            "apel, NIP mistyped",
            "pledges:apel",
            lambda world: [world.ceremony_a.apel_token],
            then=fill_and_submit({"nip": "1980", "code": "000000"}, "Buka pakta saya"),
        ),
        Visit("apel closed", "pledges:apel", lambda world: [world.closed_ceremony.apel_token]),
        Visit("kiosk, not a kiosk", "pledges:kiosk", status=403),
        Visit("verification lookup", "pledges:verify_lookup"),
        Visit("personal data notice", "pledges:privacy", lambda world: [world.agency_a.pk]),
        Visit("verification lookup, unknown code", "pledges:verify_lookup", query="?code=ABCD-EFGH-JK"),
        Visit("verification, with PDF", "pledges:verify", lambda world: [world.signature_a.verification_code]),
        Visit("verification, PDF not yet made", "pledges:verify", lambda world: [world.unsealed.verification_code]),
        Visit("verification, pact destroyed", "pledges:verify", lambda world: [world.destroyed_code]),
        Visit("404", query="/tidak-ada/", status=404),
        Visit("400 (too many fields)", query="/verifikasi/?" + "&".join(["a=1"] * 1001), status=400),
        Visit("403 (CSRF)", "login", then=without_csrf_cookie),
        Visit("429 (public)", "pledges:verify_lookup", then=until_refused("get", "pledges:verify_lookup")),
        Visit(
            "429 (staff)",
            "password_reset",
            settings={"PASSWORD_RESET_ENABLED": True},
            then=until_refused("post", "password_reset", {"email": "tidak.ada@example.go.id"}),
        ),
        Visit("API documentation", "api:docs", then=api_operations),
        Visit("API documentation, an operation open", "api:docs", then=api_operation_open),
        Visit("500", then=server_error, query="/"),
        Visit("signing page, in English", "pledges:sign", token(1), then=switch_to_english),  # last: the language stays
    ],
    "nobody": [
        Visit("home, signed in", "roster:home"),
        Visit("password change", "password_change"),
        Visit(
            "password change, wrong old password",
            "password_change",
            then=fill_and_submit(
                {"old_password": "salah", "new_password1": "x7-Kompleks-1", "new_password2": "x7-Kompleks-1"},
                "Simpan kata sandi",
            ),
        ),
        Visit("password changed", "password_change_done"),
        Visit("my files, none", "jobs:index"),
        Visit("403", "roster:employees", status=403),
    ],
    "operator_a": [
        Visit("apel list", "ceremonies:index"),
        Visit("apel list, menu opened", "ceremonies:index", then=open_menu),
        Visit("new apel", "ceremonies:create"),
        Visit("new apel, nothing filled", "ceremonies:create", then=submit_unchecked("Simpan")),
        Visit("open apel", "ceremonies:detail", pk("ceremony_a")),
        Visit("apel not ready", "ceremonies:detail", pk("bare_ceremony")),
        Visit("closed apel", "ceremonies:detail", pk("closed_ceremony")),
        Visit("edit apel", "ceremonies:edit", pk("ceremony_a")),
        Visit("invite", "ceremonies:invite", pk("ceremony_a")),
        Visit("close signing?", "ceremonies:close_confirm", pk("ceremony_a")),
        Visit("live board", "ceremonies:board", pk("ceremony_a")),
        Visit("not yet signed", "ceremonies:unsigned", pk("ceremony_a")),
        Visit(
            "not yet signed, one unit",
            "ceremonies:unsigned",
            pk("ceremony_a"),
            query=lambda world: f"?unit={world.unit_a.pk}",
        ),
        Visit("not yet signed, bad filter", "ceremonies:unsigned", pk("ceremony_a"), query="?unit=abc"),
        Visit("employees", "roster:employees"),
        Visit("employees, nothing found", "roster:employees", query="?q=tidak-ada-nama-ini"),
        Visit("add employee", "roster:employee_add"),
        Visit("add employee, nothing filled", "roster:employee_add", then=submit_unchecked("Simpan")),
        Visit("edit employee", "roster:employee_edit", lambda world: [world.employees_a[0].pk]),
        Visit("employee saved", "roster:employee_edit", lambda world: [world.employees_a[0].pk], then=submit("Simpan")),
        Visit("import", "roster:import"),
        Visit("import preview", "roster:import", then=upload_roster),
        Visit("units", "roster:units"),
        Visit("edit unit", "roster:unit_edit", pk("unit_a")),
        Visit("my files", "jobs:index"),
        Visit("berita acara pemusnahan", "privacy:destructions"),
        Visit("file ready", "jobs:detail", pk("job_a")),
        Visit("job running", "jobs:detail", pk("running_job")),
        Visit("job failed", "jobs:detail", pk("failed_job")),
        Visit("404, signed in", query="/tidak-ada/", status=404),
    ],
    "auditor_ab": [
        Visit("audit", "inspektorat:index"),
        Visit("audit of an apel", "inspektorat:ceremony", pk("ceremony_a")),
        Visit("audit of the other agency's apel", "inspektorat:ceremony", pk("ceremony_b")),
        Visit("audit trail", "inspektorat:trail"),
        Visit("audit trail, bad filter", "inspektorat:trail", query="?since=kemarin"),
        Visit("my files", "jobs:index"),
        Visit("file ready", "jobs:detail", pk("job_b")),
    ],
    "admin": [
        Visit("audit, as admin", "inspektorat:index", then=open_menu),
    ],
}


def page_patterns():
    """The URL patterns a browser may open: every one of the resolver's but the admin's."""
    return {name for name, _patterns in leaves() if not name.startswith("admin:")}


def test_every_page_pattern_is_checked():
    checked = {visit.name for visits in PAGES.values() for visit in visits if visit.name}
    assert not checked & NOT_PAGES.keys(), checked & NOT_PAGES.keys()
    assert page_patterns() == checked | NOT_PAGES.keys(), {
        "neither checked nor in NOT_PAGES": sorted(page_patterns() - checked - NOT_PAGES.keys()),
        "no such pattern": sorted((checked | NOT_PAGES.keys()) - page_patterns()),
    }


@pytest.fixture
def a11y_world(world, sign):
    """The two-agency world with what each page state needs: signed pacts with and
    without a PDF, apels not yet open and closed, a logo, contacts, a password reset
    link, jobs done, running and failed."""
    world.certify()
    world.agency_a.logo.save("lambang.png", ContentFile(factories.signature_png(40, 40)))
    employee = world.employees_a[1]
    employee.phone, employee.email = "6281234567890", "pegawai@example.go.id"
    employee.save()
    world.signature_a = sign(world.invitations_a[0])
    world.signature_b = sign(world.invitations_b[0])
    world.unsealed = sign(world.invitations_a[2])
    in_own_thread(lambda: [pact_document_create(s.pk) for s in (world.signature_a, world.signature_b)])
    # A pact of Pemilu 2019, destroyed per the retention schedule (its tombstone, a berita acara).
    pemilu = factories.election(short_name="Pemilu 2019", kind="pemilu", voting_date=datetime.date(2019, 4, 17))
    long_ago = datetime.datetime(2019, 4, 10, 3, 0, tzinfo=datetime.UTC)
    old = factories.ceremony(world.agency_a, election=pemilu, starts_at=long_ago, title="Apel Pemilu 2019")
    destroyed = sign(Invitation.objects.create(ceremony=old, employee=world.employees_a[3]), now=long_ago)
    world.destroyed_code = destroyed.verification_code
    in_own_thread(lambda: (pact_document_create(destroyed.pk), retention.carry_out(retention.plan(world.agency_a))))
    now = timezone.now()
    world.bare_ceremony = factories.ceremony(world.agency_a, title="Apel baru", status=Ceremony.Status.SCHEDULED)
    scheduled = factories.ceremony(
        world.agency_a,
        title="Apel minggu depan",
        status=Ceremony.Status.SCHEDULED,
        starts_at=now + datetime.timedelta(days=7),
        signing_opens_at=now + datetime.timedelta(days=7),
    )
    world.closed_ceremony = factories.ceremony(world.agency_a, title="Apel lalu", status=Ceremony.Status.CLOSED)
    world.scheduled_invitation = Invitation.objects.create(
        ceremony=scheduled, employee=world.employees_a[0], unit=world.unit_a
    )
    world.closed_invitation = Invitation.objects.create(
        ceremony=world.closed_ceremony, employee=world.employees_a[0], unit=world.unit_a
    )
    world.operator_b.email = "operator.b@example.go.id"
    world.operator_b.save()
    world.reset_link = [
        urlsafe_base64_encode(force_bytes(world.operator_b.pk)),
        default_token_generator.make_token(world.operator_b),
    ]
    for side, owner in (("a", world.operator_a), ("b", world.auditor_ab)):
        job = Job(
            kind="recap_table", title=f"Rekap {side}",
            user=owner, agency=getattr(world, f"agency_{side}"), status=Job.Status.DONE,
            filename="rekap.csv", content_type="text/csv", result={"rows": 1},
        )  # fmt: skip
        job.file.save("rekap.csv", ContentFile(b"No,Nama\n1,Budi\n"), save=False)
        job.save()
        setattr(world, f"job_{side}", job)
    common = {"user": world.operator_a, "agency": world.agency_a}
    world.running_job = Job.objects.create(
        kind="link_sheets", title="Lembar tautan", status=Job.Status.RUNNING, total=200, done=80,
        stage="Menyusun halaman", **common,
    )  # fmt: skip
    world.failed_job = Job.objects.create(
        kind="recap_table", title="Rekap gagal", status=Job.Status.FAILED,
        message="Berkas tidak dapat dibuat: ruang penyimpanan penuh.", **common,
    )  # fmt: skip
    return world


@dataclass
class Context:
    world: object
    live_server: object
    run_jobs: object
    tmp_path: object
    failures: list


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", list(PAGES))
def test_no_axe_violations(browser, live_server, a11y_world, run_jobs, settings, tmp_path, role):
    ctx = Context(a11y_world, live_server, run_jobs, tmp_path, [])
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    add_axe(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    if role != "anonymous":
        log_in(page, live_server, getattr(a11y_world, role).username)
        page.wait_for_url(lambda url: "/akun/login/" not in url)
    original = {name: getattr(settings, name) for visits in PAGES.values() for v in visits for name in v.settings}
    for visit in PAGES[role]:
        for name, value in {**original, **visit.settings}.items():
            setattr(settings, name, value)
        url = visit.url(a11y_world)
        response = page.goto(live_server.url + url)
        assert response.status == visit.status, (visit.label, url, response.status)
        if visit.name:
            assert resolve(urlsplit(page.url).path).view_name == visit.name, (visit.label, page.url)
        if visit.then:
            visit.then(page, ctx)
        ctx.failures += check(page, f"{role} {visit.label}")
    context.close()
    assert not ctx.failures, f"{len(ctx.failures)} axe violations:\n" + "\n".join(ctx.failures)
