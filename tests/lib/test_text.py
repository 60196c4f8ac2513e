"""Text that says what it shows (``netralitas.lib.text``), where text comes in: staff
forms, the roster import, filters in the query string, and the trail."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from netralitas.lib.text import hidden_characters, message_text, strip_hidden, validate_visible
from roster.models import Employee, Unit

BIDI_NAME = "Budi \u202eatreS\u202c Santoso"  # prints as "Budi Serta Santoso"


def test_what_counts_as_hidden():
    assert hidden_characters(BIDI_NAME) == ["\u202e", "\u202c"]
    assert hidden_characters("a\x00b\u200bc\ufeff\u2066d") == ["\x00", "\u200b", "\ufeff", "\u2066"]
    assert hidden_characters("baris satu\nbaris dua\tx") == ["\n", "\t"]
    assert hidden_characters("baris satu\nbaris dua\tx", multiline=True) == []
    assert hidden_characters("Nguyễn Thị Minh Khai, S.Sos. — Bapak’s “kop” ½ ² ١٢٣") == []
    assert strip_hidden(BIDI_NAME) == "Budi atreS Santoso"


def test_messages_show_what_the_database_would_refuse():
    """A job's message or a task's traceback: never a NUL, a lone surrogate or an escape."""
    assert message_text("N\x00I\x00P \udcff\x1b[31m\nx\ty") == "N\ufffdI\ufffdP \ufffd\ufffd[31m x y"
    assert message_text("satu\n\x00dua", multiline=True) == "satu\n\ufffddua"
    assert message_text(BIDI_NAME) == "Budi \ufffdatreS\ufffd Santoso"


def test_the_message_names_what_nobody_can_see():
    with pytest.raises(ValidationError) as refused:
        validate_visible(BIDI_NAME)
    assert refused.value.code == "hidden_character"
    assert "(U+202E, U+202C)" in refused.value.messages[0]
    assert validate_visible("Budi Santoso") == "Budi Santoso"


def employee_post(world, **changes):
    data = {
        "employment_type": "PNS",
        "nip": "19800101 200501 1 002",
        "nik": "",
        "name": "Budi Santoso",
        "rank": "",
        "position": "",
        "unit": world.unit_a.pk,
        "is_active": "on",
    }
    return {**data, **changes}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": BIDI_NAME}, "karakter tersembunyi (U+202E, U+202C)"),
        ({"position": "Kepala\x1b[31m Bagian"}, "karakter tersembunyi (U+001B)"),
        (
            {"employment_type": "NON_ASN", "nip": "", "nik": "١٣٧١٠١٠١٠١٩٠٠٠٠١"},
            "memuat angka selain 0–9",
        ),
        ({"employment_type": "NON_ASN", "nip": "", "nik": "１３７１０１０１０１９０００１"}, "memuat angka selain 0–9"),
        ({"nip": "19900615 209901 1 001"}, "masih jauh di masa depan"),
    ],
)
def test_the_employee_form_refuses_with_a_sentence(client, world, changes, message):
    client.force_login(world.operator_a)
    response = client.post(reverse("roster:employee_add"), employee_post(world, **changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Constraint" not in page and "employee_nik_16_digits" not in page
    assert not Employee.objects.filter(nip="198001012005011002").exists()


@pytest.mark.django_db
def test_units_added_at_once_refuse_hidden_characters_and_long_names(client, world):
    client.force_login(world.operator_a)
    for names, message in [("Dinas Baru\nDinas \u202eLain", "karakter tersembunyi"), ("X" * 201, "paling panjang")]:
        response = client.post(reverse("roster:units"), {"names": names})
        assert message in response.content.decode()
    assert not Unit.objects.filter(name="Dinas Baru").exists()


@pytest.mark.django_db
def test_an_import_row_with_hidden_characters_is_refused_and_the_trail_stays_clean(client, world, run_jobs):
    client.force_login(world.operator_a)
    rows = (
        "NIP,Nama,Unit Kerja\n"
        f"19900202 201501 2 003,{BIDI_NAME},Sekretariat Daerah\n"
        "19900202 201501 2 004,Siti Aminah,Sekretariat Daerah\n"
    )
    upload = SimpleUploadedFile("pegawai\u202egpj.csv", rows.encode())
    client.post(reverse("roster:import"), {"file": upload})
    (preview,) = run_jobs()
    assert preview.result["counts"]["new"] == 1 and preview.result["counts"]["rejected"] == 1
    assert "karakter tak terlihat" in client.get(preview.get_absolute_url()).content.decode()
    client.post(reverse("roster:import_confirm", args=[preview.pk]))
    run_jobs()
    assert Employee.objects.filter(nip="199002022015012004").exists()
    assert not Employee.objects.filter(nip="199002022015012003").exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT)
    assert not hidden_characters(event.description) and "pegawaigpj.csv" in event.description


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "\x00", "99999999999999999999", "-1", "\u202e1"])
def test_filters_in_the_query_string_are_reported_and_ignored(client, world, value):
    client.force_login(world.operator_a)
    for url in [reverse("roster:employees"), reverse("ceremonies:unsigned", args=[world.ceremony_a.pk])]:
        response = client.get(url, {"unit": value, "q": value})
        assert response.status_code == 200
        assert "Saringan yang tidak sah tidak dipakai" in response.content.decode()
    # A download never widens its scope: an invalid unit is a 404, not all units.
    link_sheets = reverse("ceremonies:link_sheets", args=[world.ceremony_a.pk])
    assert client.post(link_sheets, {"unit": value}).status_code == 404
    client.force_login(world.auditor_ab)
    response = client.get(reverse("inspektorat:index"), {"instansi": value})
    assert response.status_code == 200 and "Saringan yang tidak sah" in response.content.decode()
    response = client.get(reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]), {"q": value, "unit": value})
    assert response.status_code == 200
    for event in AuditEvent.objects.all():
        assert not hidden_characters(event.description), event.description


@pytest.mark.django_db
def test_valid_filters_still_filter_and_reach_the_trail(client, world):
    client.force_login(world.operator_a)
    response = client.get(reverse("roster:employees"), {"unit": world.subunit_a.pk, "status": "semua"})
    assert [e.pk for e in response.context["page"]] == [world.employees_a[3].pk]
    client.force_login(world.auditor_a)
    client.get(reverse("inspektorat:ceremony", args=[world.ceremony_a.pk]), {"unit": world.unit_a.pk, "sub": "0"})
    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW)
    assert event.description.endswith(f" — unit={world.unit_a.pk}")  # sub=0 is not ticked
