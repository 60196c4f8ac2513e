"""Every form of the project, fed by Hypothesis: valid data with any of its fields
replaced by arbitrary or hostile text. Whatever comes in, a form answers with
Indonesian messages (never an exception, never a raw constraint name), and what
it accepts is clean: no hidden characters, dates a person can have meant, the
database takes it, and a filter form's query runs and writes a clean trail text.

The forms are found by walking the project's modules; a new form without a line
in ``FORMS`` fails ``test_every_form_is_covered``. The admin's forms are built by
the admin itself (``ModelAdmin.get_form``), for every model it registers.
"""

import datetime
import importlib
import os
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django import forms
from django.conf import settings as settings_module
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import AuditEvent
from ceremonies.models import Invitation
from netralitas.lib.dates import validate_sensible_date
from netralitas.lib.text import hidden_characters
from roster.models import Employee
from tests.conftest import World

# The project package and every app of ours (a folder with apps.py).
PROJECT_PACKAGES = (
    "netralitas",
    *sorted(path.name for path in Path(settings_module.BASE_DIR).iterdir() if (path / "apps.py").exists()),
)
# Examples per form in `make test`; HYPOTHESIS_EXAMPLES=500 for a deeper search by hand.
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "25"))

HOSTILE = st.sampled_from(
    [
        "\x00",
        "Budi \u202eatreS\u202c Santoso",
        "\u200b",
        "²",
        "١٣٧١٠١٠١٠١٩٠٠٠٠١",
        "１９８００１０１２００５０１１００１",
        "99999999999999999999",
        "-1",
        "0",
        "0001-01-01",
        "9999-12-31",
        "0001-01-01T00:00",
        "9999-12-31T23:59",
        "2024-02-30T25:61",
        '=HYPERLINK("http://x")',
        "<script>alert(1)</script>",
        "",
        " ",
        "X" * 300,
        "on",
        "false",
        "tidak",
    ]
)
# Characters that make text show something else than it holds.
HIDDEN = st.sampled_from(["\x00", "\x1b", "\u202e", "\u2066", "\u200f", "\u200b", "\ufeff", "\u2028"])
VALUES = st.one_of(
    HOSTILE,
    st.text(max_size=30),
    st.builds(lambda before, hidden, after: before + hidden + after, st.text(max_size=8), HIDDEN, st.text(max_size=8)),
)
# Django's English defaults and raw constraint names: a message must be ours, in Indonesian.
NOT_A_CLEAR_MESSAGE = ("Constraint “", "is violated", "This field", "Enter a valid", "Select a valid", "Ensure this")


@dataclass
class Entry:
    """How to build one form: its class (or a builder), the constructor's keyword
    arguments and valid data, from the world of ``tests/conftest.py``."""

    name: str
    build: object  # callable(world, data) -> form
    valid: object  # callable(world) -> dict of valid data
    checks: list = field(default_factory=list)  # callable(world, form) for an accepted form


def _units(world):
    return list(world.agency_a.units.order_by("name"))


def ceremony_data(world):
    return {
        "title": "Apel Pilkada",
        "election": str(world.ceremony_a.election_id),
        "pact_template": str(world.ceremony_a.pact_template_id),
        "starts_at": "2024-09-26T08:00",
        "place": "Halaman Kantor Wali Kota",
        "leader": "Pj Wali Kota",
        "witnesses": "KPU Kota\nBawaslu Kota",
        "signing_opens_at": "2024-09-26T08:30",
        "signing_closes_at": "2024-09-26T12:00",
    }


def employee_data(world):
    return {
        "employment_type": "PNS",
        "nip": "19800101 200501 1 002",
        "nik": "",
        "name": "Budi Santoso, S.E.",
        "rank": "Penata (III/c)",
        "position": "Analis",
        "unit": str(world.unit_a.pk),
        "phone": "+62 812-3456-7890",
        "email": "budi@example.go.id",
        "is_active": "on",
    }


def login_request(data):
    request = RequestFactory().post("/akun/login/", data, REMOTE_ADDR="10.9.8.7")
    request.session = {}
    request.user = AnonymousUser()
    return request


def _signed_in_request(user, data):
    request = RequestFactory().post("/akun/password_change/", data, REMOTE_ADDR="10.9.8.7")
    request.session = {}
    request.user = user
    return request


def password_change_form(world, data):
    from roster.accounts import ThrottledPasswordChangeForm

    return ThrottledPasswordChangeForm(world.operator_a, data, request=_signed_in_request(world.operator_a, data))


def project_form(path, **kwargs):
    """``path`` ("roster.forms.EmployeeForm") built with ``kwargs(world)``."""
    module, name = path.rsplit(".", 1)

    def build(world, data):
        form_class = getattr(importlib.import_module(module), name)
        extra = kwargs["extra"](world) if "extra" in kwargs else {}
        return form_class(data, **extra)

    return build


def with_request(path):
    module, name = path.rsplit(".", 1)

    def build(world, data):
        return getattr(importlib.import_module(module), name)(login_request(data), data=data)

    return build


def upload_form(path):
    module, name = path.rsplit(".", 1)

    def build(world, data):
        body, file_name = data.pop("file_body", b"NIP\n"), str(data.pop("file_name", "pegawai.csv"))
        body = body.encode() if isinstance(body, str) else body
        # A browser sends no file for an empty name, and Django keeps only the last part of
        # a path: a name whose last part is empty, "." or ".." reaches no form (Django cannot
        # even build one: SuspiciousFileOperation).
        buildable = file_name.strip(" ./\\") and os.path.basename(file_name) not in {"", ".", ".."}
        files = {"file": SimpleUploadedFile(file_name, body)} if buildable else {}
        return getattr(importlib.import_module(module), name)(data, files)

    return build


# -- what an accepted form must satisfy ------------------------------------------------


def saves_clean(world, form):
    """A model form's object goes into the database (its constraints agree with the
    form) with visible text and sensible dates only."""
    with transaction.atomic():
        saved = form.save()
        transaction.set_rollback(True)
    for model_field in saved._meta.concrete_fields:
        value = getattr(saved, model_field.attname)
        if isinstance(value, str):
            assert not hidden_characters(value, multiline=isinstance(model_field, models.TextField))
        if isinstance(value, datetime.date):
            validate_sensible_date(value)


def filter_runs(queryset):
    def check(world, form):
        list(form.filter(queryset(world)))
        assert not hidden_characters(form.trail_text())

    return check


def trail_text_is_clean(world, form):
    assert not hidden_characters(form.trail_text())


def names_are_clean(world, form):
    for name in form.cleaned_data["names"]:
        assert not hidden_characters(name) and 0 < len(name) <= 200


def consent_is_the_ticked_box(world, form):
    assert form.data.get("agree") == "on"


def shown_is_a_format_and_a_hash(world, form):
    text_format, sha256 = form.shown
    assert text_format is None or (isinstance(text_format, int) and 0 < text_format < 2**15)
    assert isinstance(sha256, str) and len(sha256) <= 64


def code_is_a_verification_code(world, form):
    reverse("pledges:verify", args=[form.cleaned_data["code"]])
    assert len(form.cleaned_data["code"]) == 10


def recap_signer_prints_clean(world, form):
    for name in ("name", "position", "place", "nip"):
        assert not hidden_characters(form.cleaned_data[name])
    validate_sensible_date(form.cleaned_data["date"])


def identifier_is_ascii_digits(world, form):
    nip = form.cleaned_data["nip"]
    assert nip.isascii() and nip.isdigit() and len(nip) in (16, 18)


FORMS = [
    Entry(
        "pledges.forms.SignForm",
        project_form("pledges.forms.SignForm"),
        lambda w: {"signature": _signature_data_url(), "agree": "on", "text_format": "2", "text_sha256": "0" * 64},
        [consent_is_the_ticked_box, shown_is_a_format_and_a_hash],
    ),
    Entry(
        "pledges.forms.ApelLoginForm",
        project_form("pledges.forms.ApelLoginForm"),
        lambda w: {"nip": "19800101 200501 1 001", "code": "ABCDEF"},
        [identifier_is_ascii_digits],
    ),
    Entry(
        "pledges.kiosk.KioskStartForm",
        project_form("pledges.kiosk.KioskStartForm"),
        lambda w: {"name": "Meja 1 — Aula"},
        [],
    ),
    Entry(
        "pledges.forms.VerifyLookupForm",
        project_form("pledges.forms.VerifyLookupForm"),
        lambda w: {"code": "ab3k9-xy7qp"},
        [code_is_a_verification_code],
    ),
    Entry(
        "roster.forms.RosterUploadForm",
        upload_form("roster.forms.RosterUploadForm"),
        lambda w: {"file_name": "pegawai.csv", "file_body": b"NIP,Nama\n", "full_roster": "on"},
    ),
    Entry(
        "roster.admin.AdminRosterUploadForm",
        upload_form("roster.admin.AdminRosterUploadForm"),
        lambda w: {"file_name": "pegawai.csv", "file_body": b"NIP,Nama\n", "agency": str(w.agency_a.pk)},
    ),
    Entry(
        "roster.forms.UnitForm",
        project_form("roster.forms.UnitForm", extra=lambda w: {"agency": w.agency_a}),
        lambda w: {"name": "Dinas Kesehatan", "code": "DINKES", "parent": str(w.unit_a.pk)},
        [saves_clean],
    ),
    Entry(
        "roster.forms.BulkUnitForm",
        project_form("roster.forms.BulkUnitForm", extra=lambda w: {"agency": w.agency_a}),
        lambda w: {"names": "Dinas Kesehatan\nDinas Pendidikan", "parent": ""},
        [names_are_clean],
    ),
    Entry(
        "roster.forms.EmployeeForm",
        project_form("roster.forms.EmployeeForm", extra=lambda w: {"agency": w.agency_a}),
        employee_data,
        [saves_clean],
    ),
    Entry(
        "roster.forms.EmployeeFilterForm",
        project_form("roster.forms.EmployeeFilterForm", extra=lambda w: {"units": _units(w)}),
        lambda w: {"q": "Budi", "unit": str(w.unit_a.pk), "jenis": "PNS", "status": "semua"},
        [filter_runs(lambda w: Employee.objects.filter(agency=w.agency_a))],
    ),
    Entry(
        "roster.accounts.StaffLoginForm",
        with_request("roster.accounts.StaffLoginForm"),
        lambda w: {"username": "operator_a", "password": "rahasia-uji-123"},
    ),
    Entry(
        "roster.accounts.AdminLoginForm",
        with_request("roster.accounts.AdminLoginForm"),
        lambda w: {"username": "admin_x", "password": "rahasia-uji-123"},
    ),
    Entry(
        "roster.accounts.ThrottledPasswordChangeForm",
        password_change_form,
        lambda w: {
            "old_password": "rahasia-uji-123",
            "new_password1": "kata-sandi-baru-yang-panjang-9",
            "new_password2": "kata-sandi-baru-yang-panjang-9",
        },
    ),
    Entry(
        "roster.accounts.MailedPasswordResetForm",
        project_form("roster.accounts.MailedPasswordResetForm"),
        lambda w: {"email": "operator@example.go.id"},
    ),
    Entry(
        "ceremonies.forms.CeremonyForm",
        project_form("ceremonies.forms.CeremonyForm", extra=lambda w: {"agency": w.agency_a}),
        ceremony_data,
        [saves_clean],
    ),
    Entry(
        "ceremonies.forms.InviteUnitsForm",
        project_form("ceremonies.forms.InviteUnitsForm", extra=lambda w: {"agency": w.agency_a}),
        lambda w: {"units": [str(w.unit_a.pk)], "include_subunits": "on"},
    ),
    Entry(
        "ceremonies.forms.InviteEmployeesForm",
        project_form("ceremonies.forms.InviteEmployeesForm", extra=lambda w: {"agency": w.agency_a}),
        lambda w: {"employees": [str(w.employees_a[0].pk)]},
    ),
    Entry(
        "ceremonies.forms.UnitFilterForm",
        project_form("ceremonies.forms.UnitFilterForm", extra=lambda w: {"units": _units(w)}),
        lambda w: {"unit": str(w.unit_a.pk)},
        [trail_text_is_clean],
    ),
    Entry(
        "ceremonies.forms.LinkSheetsForm",
        project_form("ceremonies.forms.LinkSheetsForm", extra=lambda w: {"units": _units(w)}),
        lambda w: {"unit": str(w.unit_a.pk), "belum": "1", "kertas": "F4"},
        [trail_text_is_clean],
    ),
    Entry(
        "ceremonies.forms.PaperForm",
        project_form("ceremonies.forms.PaperForm"),
        lambda w: {"kertas": "F4"},
        [trail_text_is_clean],
    ),
    Entry(
        "ceremonies.forms.UnitMessageForm",
        project_form("ceremonies.forms.UnitMessageForm", extra=lambda w: {"units": _units(w)}),
        lambda w: {"unit": str(w.unit_a.pk), "bagian": "1"},
        [trail_text_is_clean],
    ),
    Entry(
        "ceremonies.forms.InviteSearchForm",
        project_form("ceremonies.forms.InviteSearchForm"),
        lambda w: {"q": "Budi"},
        [trail_text_is_clean],
    ),
    Entry(
        "inspektorat.forms.CeremonyIndexForm",
        project_form("inspektorat.forms.CeremonyIndexForm", extra=lambda w: {"agencies": [w.agency_a, w.agency_b]}),
        lambda w: {"instansi": str(w.agency_a.pk)},
        [trail_text_is_clean],
    ),
    Entry(
        "inspektorat.forms.InvitationFilterForm",
        project_form("inspektorat.forms.InvitationFilterForm", extra=lambda w: {"units": _units(w)}),
        lambda w: {"q": "Pegawai", "unit": str(w.unit_a.pk), "sub": "on", "status": "belum", "jenis": "PNS"},
        [filter_runs(lambda w: Invitation.objects.filter(ceremony=w.ceremony_a))],
    ),
    Entry(
        "inspektorat.forms.RecapSignerForm",
        project_form("inspektorat.forms.RecapSignerForm"),
        lambda w: {
            "name": "Drs. H. Inspektur Uji, M.Si.",
            "position": "Inspektur Kota Bukittinggi",
            "nip": "19700101 199503 1 001",
            "place": "Bukittinggi",
            "date": "2024-09-26",
        },
        [recap_signer_prints_clean],
    ),
    Entry(
        "inspektorat.forms.TrailFilterForm",
        project_form(
            "inspektorat.forms.TrailFilterForm",
            extra=lambda w: {"agencies": w.agency_a.__class__.objects.all()},
        ),
        lambda w: {"action": "view", "user": "operator", "q": "apel", "since": "2024-09-01", "until": "2024-09-30"},
        [filter_runs(lambda w: AuditEvent.objects.all())],
    ),
]


def _signature_data_url():
    import base64

    from tests import factories

    return "data:image/png;base64," + base64.b64encode(factories.signature_png()).decode()


def project_form_classes():
    """Every form class defined in the project's modules (a form with fields)."""
    for package in PROJECT_PACKAGES:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            importlib.import_module(info.name)
    found = set()
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in PROJECT_PACKAGES:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == name
                and value.base_fields
            ):
                found.add(f"{name}.{value.__name__}")
    return found


ADMIN_FORMS = {
    "roster.admin.UserChangeForm",
    "roster.admin.UserCreationForm",
    "roster.admin.GroupForm",
    "roster.admin.EmployeeAdminForm",
    "pledges.admin.AgencySealForm",
    "webhooks.admin.EndpointForm",
}


def test_every_form_is_covered():
    """A form added to the project needs a line in FORMS (the admin's are built by
    the admin and covered by ``test_admin_forms_answer_every_input``)."""
    covered = {entry.name for entry in FORMS} | ADMIN_FORMS
    assert project_form_classes() <= covered, sorted(project_form_classes() - covered)


@pytest.fixture(scope="module")
def shared_keys(tmp_path_factory):
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(autouse=True)
def _keys_of_the_shared_world(settings, shared_keys, _media_in_tmp):
    settings.SIGNING_KEYS_DIR = shared_keys


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, shared_keys):
    """One world for all examples of this module; every example rolls back. Its
    agencies can seal (an apel form may schedule a signing window)."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(SIGNING_KEYS_DIR=shared_keys):
        world = World().certify()
        yield world
        transaction.set_rollback(True)


HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def draw_data(data, valid, form_fields):
    """``valid`` with some fields replaced by arbitrary or hostile values."""
    names = sorted(set(valid) | set(form_fields))
    if not names:
        return dict(valid)
    changed = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=3), label="changed")
    result = dict(valid)
    for name in changed:
        value = data.draw(VALUES, label=name)
        result[name] = [value] if isinstance(valid.get(name), list) else value
    return result


def assert_clear_answer(form):
    """Refused with messages that are ours and Indonesian, or accepted."""
    for messages in form.errors.values():
        for message in messages:
            assert message.strip(), form.errors
            assert not any(marker in message for marker in NOT_A_CLEAR_MESSAGE), message


@pytest.mark.parametrize("entry", FORMS, ids=lambda entry: entry.name.rsplit(".", 1)[1])
def test_the_valid_data_is_accepted(shared_world, db, entry):
    """So that what an accepted form must satisfy is checked at all."""
    with transaction.atomic():
        form = entry.build(shared_world, entry.valid(shared_world))
        assert form.is_valid(), form.errors
        for check in entry.checks:
            check(shared_world, form)
        transaction.set_rollback(True)


@pytest.mark.parametrize("entry", FORMS, ids=lambda entry: entry.name.rsplit(".", 1)[1])
@HYPOTHESIS
@given(data=st.data())
def test_forms_answer_every_input(shared_world, db, entry, data):
    world = shared_world
    valid = entry.valid(world)
    probe = entry.build(world, dict(valid))
    values = draw_data(data, valid, [name for name in probe.fields if name not in valid])
    with translation.override("id"), transaction.atomic():
        form = entry.build(world, values)
        if form.is_valid():
            for check in entry.checks:
                check(world, form)
        assert_clear_answer(form)
        transaction.set_rollback(True)


def admin_form(world, label, change):
    model = {m._meta.label: m for m in admin.site._registry}[label]
    model_admin = admin.site._registry[model]
    request = RequestFactory().post("/admin/")
    request.user = world.admin
    obj = model.objects.order_by("pk").first() if change else None
    allowed = model_admin.has_change_permission(request, obj) if change else model_admin.has_add_permission(request)
    return model_admin.get_form(request, obj, change=change), obj, allowed


def form_data(form):
    """What the browser would send back for ``form`` as shown (multi-part widgets such
    as the admin's date and time split into their parts)."""
    data = {}
    for bound in form:
        widget = bound.field.widget
        widget = getattr(widget, "widget", widget)  # the admin's RelatedFieldWidgetWrapper
        value = bound.value()
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value)
            for suffix, part_widget, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
                data[bound.html_name + suffix] = part_widget.format_value(part) or ""
        elif value is True or value is False:
            data[bound.html_name] = "on" if value else ""
        else:
            shown = widget.format_value(value)
            if isinstance(shown, list):  # a select: the chosen option(s)
                multiple = getattr(widget, "allow_multiple_selected", False)
                data[bound.html_name] = shown if multiple else (shown[0] if shown else "")
            else:
                data[bound.html_name] = "" if shown is None else str(shown)
    return data


ADMIN_MODELS = sorted(
    model._meta.label for model in admin.site._registry if model._meta.app_label in (*PROJECT_PACKAGES, "auth")
)


@pytest.mark.parametrize("label", ADMIN_MODELS)
def test_the_admin_takes_its_forms_back_unchanged(shared_world, db, label):
    """The change form of the first object, sent back as shown, is accepted: the
    changed examples below start from data the admin takes."""
    form_class, obj, allowed = admin_form(shared_world, label, change=True)
    if obj is None or not allowed:
        return
    form = form_class(form_data(form_class(instance=obj)), instance=obj)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize("label", ADMIN_MODELS)
@HYPOTHESIS
@given(data=st.data(), change=st.booleans())
def test_admin_forms_answer_every_input(shared_world, db, label, data, change):
    """The admin's add and change forms (the change form on the first object of the
    kind): refused with a clear message, or stored clean."""
    world = shared_world
    form_class, obj, allowed = admin_form(world, label, change)
    if not allowed:
        return  # a read-only record (signatures, their PDFs, the trail): the admin never saves it
    shown = form_class(instance=obj)
    values = draw_data(data, form_data(shown), [])
    with translation.override("id"), transaction.atomic():
        form = form_class(values, instance=obj)
        if form.is_valid():
            saved = form.save()
            for model_field in saved._meta.concrete_fields:
                value = getattr(saved, model_field.attname)
                if isinstance(value, str) and not model_field.name.startswith("password"):
                    multiline = model_field.get_internal_type() == "TextField"
                    assert not hidden_characters(value, multiline=multiline), (model_field.name, value)
                if isinstance(value, datetime.date) and model_field.editable:
                    validate_sensible_date(value)
        assert_clear_answer(form)
        transaction.set_rollback(True)
