"""One formatter per idea: dates and times as officials write them, codes, identity numbers."""

import datetime

from netralitas.lib.dates import date_line, pukul, tanggal, timestamp, waktu, zone_abbreviation
from netralitas.lib.tokens import group_code, normalise_code
from roster.identity import Identifier

MOMENT = datetime.datetime(2024, 9, 26, 2, 5, 9, tzinfo=datetime.UTC)


def test_dates_in_each_zone():
    assert tanggal(MOMENT, "Asia/Jakarta") == "26 September 2024"
    assert pukul(MOMENT, "Asia/Jakarta") == "09.05 WIB"
    assert pukul(MOMENT, "Asia/Makassar") == "10.05 WITA"
    assert pukul(MOMENT, "Asia/Jayapura") == "11.05 WIT"
    assert date_line("Bukittinggi", MOMENT, "Asia/Jakarta") == "Bukittinggi, 26 September 2024"
    assert timestamp(MOMENT, "Asia/Makassar") == "2024-09-26 10:05:09 WITA"
    assert timestamp(None, "Asia/Jakarta") == ""
    # In running text, a moment crossing midnight in the zone: the zone's date.
    assert waktu(datetime.datetime(2026, 12, 6, 23, 15, tzinfo=datetime.UTC), "Asia/Makassar") == (
        "7 Desember 2026 pukul 07.15 WITA"
    )
    assert waktu(None, "Asia/Jakarta") == ""
    assert zone_abbreviation("Asia/Pontianak") == "WIB"
    assert zone_abbreviation("Europe/Paris") == ""


def test_codes():
    assert group_code("AB3K9XY7QP") == "AB3K9-XY7QP"
    assert group_code("") == ""
    assert normalise_code(" ab3-k9 xy7qp") == "AB3K9XY7QP"


def test_identifier_forms():
    nip = Identifier.of("198001012005011001", None)
    assert str(nip) == "19800101 200501 1 001"
    assert nip.on_document == "19800101 200501 1 001"
    assert nip.masked == "1980**** 200501 * **1"
    nik = Identifier.of(None, "1371012345670001")
    assert (nik.kind, str(nik), nik.on_document) == ("NIK", "NIK …0001", "************0001")
    assert nik.masked == "************0001"
    assert Identifier.of("199009132025242014", None, "NI PPPK").kind == "NI PPPK"


def test_identifier_from_a_frozen_identity_block():
    signed = Identifier.of_signer({"id_label": "NIP", "id_number": "19800101 200501 1 001"})
    assert signed == Identifier("NIP", "198001012005011001")
    assert Identifier.of_signer({"id_label": "NIK", "id_number": "1371012345670001"}).masked == "************0001"
