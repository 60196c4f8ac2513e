"""The rows of a roster import: parse once, plan against the database, write.

- :func:`parse` turns the file's rows into clean values, each row with the
  errors that make it unusable (a NIP Excel turned into a number, a 101-character
  rank, a NUL byte, a NIP that appears twice…). The preview keeps the result;
  the confirm reads it back instead of reading the file again.
- :func:`plan` compares the parsed rows with the database *now*: new, changed,
  unchanged, rejected (another agency's NIP, an unknown unit). The preview and
  the confirm run the same plan, so a row the preview accepts is a row the
  confirm stores — every rule the database enforces is checked here, row by row.
- :func:`write` stores a plan in one transaction; should the database still
  refuse a row (someone else changed the roster meanwhile), the row is named and
  the others are kept.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from netralitas.lib.spreadsheet import unescape_cell
from netralitas.lib.text import hidden_characters, is_hidden
from roster.contact import local_phone, normalise_email, normalise_phone
from roster.models import Employee, EmploymentType
from roster.nip import normalise_nik, normalise_nip, validate_nip
from roster.resources import COLUMNS, EMPLOYMENT_ALIASES, FALSE_WORDS, HEADER_ALIASES, TRUE_WORDS

# Parsed row: [spreadsheet row, nip, nik, name, type, rank, position, unit, active, phone, email, [errors]]
# phone and email are None when the file has no such column: the stored value stays.
ROW, NIP, NIK, NAME, TYPE, RANK, POSITION, UNIT, ACTIVE, PHONE, EMAIL, ERRORS = range(12)
LENGTHS = {
    NAME: (COLUMNS["name"], Employee._meta.get_field("name").max_length),
    RANK: (COLUMNS["rank"], Employee._meta.get_field("rank").max_length),
    POSITION: (COLUMNS["position"], Employee._meta.get_field("position").max_length),
    UNIT: (COLUMNS["unit"], 200),
}
COMPARED = (("nip", NIP), ("nik", NIK), ("name", NAME), ("employment_type", TYPE), ("rank", RANK))
WRITTEN = ("nip", "nik", "name", "employment_type", "rank", "position", "unit_id", "is_active")
BATCH = 2000
LOOKUP_CHUNK = 900  # SQLite's bound-parameter limit


def header_key(text):
    """Our column title for a header cell in any known spelling (``"Nama Pegawai"`` → ``"Nama"``)."""
    text = " ".join(str(text or "").lower().split())
    return HEADER_ALIASES.get(text)


def is_header(texts):
    keys = {header_key(text) for text in texts}
    return COLUMNS["name"] in keys and (COLUMNS["nip"] in keys or COLUMNS["nik"] in keys)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def printable(text):
    """``text`` with the characters that must never be stored (``netralitas.lib.text``)
    shown as �: for reports and messages (PostgreSQL's JSON refuses a NUL even there)."""
    return "".join("\ufffd" if is_hidden(char) else char for char in text) if text else text


def _bad_character(text):
    found = hidden_characters(text)
    return found[0] if found else None


def parse(table, progress=None):
    """The table's rows as parsed rows (lists, see ``ROW``…``ERRORS``); empty rows are skipped."""
    today = timezone.localdate()
    index = {}
    for position, header in enumerate(table.headers):
        key = header_key(header)
        if key and key not in index:
            index[key] = position
    columns = [index.get(COLUMNS[name]) for name in ("nip", "nik", "name", "employment_type", "rank", "position")]
    columns += [index.get(COLUMNS["unit"]), index.get(COLUMNS["is_active"])]
    contact_columns = [index.get(COLUMNS["phone"]), index.get(COLUMNS["email"])]
    parsed, seen = [], {}
    for offset, cells in enumerate(table.rows):
        # What our export escaped comes back as it was (netralitas.lib.spreadsheet).
        values = [unescape_cell(cells[i]) if i is not None and i < len(cells) else None for i in columns]
        contact = [
            (unescape_cell(cells[i]) if i < len(cells) else None) if i is not None else ABSENT for i in contact_columns
        ]
        if not any(_text(value) for value in values) and not any(
            value is not ABSENT and _text(value) for value in contact
        ):
            continue
        row = _parse_row(table.first_row + offset, values, today, contact)
        key = row_key(row)
        if key:
            seen.setdefault(key, []).append(row)
        parsed.append(row)
        if progress is not None and offset % 1000 == 999:
            progress.step(1000)
    for (kind, value), rows in seen.items():
        if len(rows) > 1:
            where = ", ".join(str(row[ROW]) for row in rows)
            message = _("%(label)s %(value)s muncul lebih dari sekali dalam berkas (baris %(rows)s).") % {
                "label": kind.upper(),
                "value": value,
                "rows": where,
            }
            for row in rows:
                row[ERRORS].append(message)
    return parsed


def row_key(row):
    if row[NIP]:
        return ("nip", row[NIP])
    if row[NIK]:
        return ("nik", row[NIK])
    return None


ABSENT = object()  # a column the file does not have


def _parse_contact(raw_phone, raw_email, errors):
    """The row's phone (canonical) and email, ``None`` for a column the file lacks."""
    phone = email = None
    if raw_phone is not ABSENT:
        try:
            # The cell as it is, not ``_text``'d: folding whitespace would quietly turn a
            # line separator into a space where the form refuses it.
            phone = normalise_phone(raw_phone)
        except ValidationError as exc:
            errors.extend(printable(message) for message in exc.messages)
            phone = ""
    if raw_email is not ABSENT:
        try:
            email = normalise_email(raw_email)
        except ValidationError as exc:
            errors.extend(printable(message) for message in exc.messages)
            email = ""
    return phone, email


def _parse_row(number, values, today, contact=(ABSENT, ABSENT)):
    raw_nip, raw_nik, raw_name, raw_type, raw_rank, raw_position, raw_unit, raw_active = values
    errors = []
    nip = nik = None
    if _text(raw_nip):
        try:
            nip = normalise_nip(raw_nip)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if _text(raw_nik):
        try:
            nik = normalise_nik(raw_nik)
        except ValidationError as exc:
            errors.extend(printable(message) for message in exc.messages)
    type_text = _text(raw_type).lower()
    if not type_text:
        employment_type = EmploymentType.PNS if _text(raw_nip) else EmploymentType.NON_ASN
    else:
        employment_type = EMPLOYMENT_ALIASES.get(type_text)
        if employment_type is None:
            errors.append(
                _("Jenis kepegawaian “%(value)s” tidak dikenal; isi PNS, PPPK atau Non-ASN.")
                % {"value": _text(raw_type)[:40]}
            )
    active_text = _text(raw_active).lower()
    is_active = True
    if active_text in FALSE_WORDS and active_text:
        is_active = False
    elif active_text and active_text not in TRUE_WORDS:
        errors.append(_("Kolom Aktif berisi “%(value)s”; isi Ya atau Tidak.") % {"value": _text(raw_active)[:40]})
    row = [number, nip, nik, _text(raw_name), employment_type, _text(raw_rank), _text(raw_position)]
    row += [_text(raw_unit), is_active, *_parse_contact(*contact, errors), errors]
    for slot, (label, limit) in LENGTHS.items():
        value = row[slot]
        if len(value) > limit:
            errors.append(
                _("%(column)s terlalu panjang: %(count)s karakter, paling banyak %(limit)s.")
                % {"column": label, "count": len(value), "limit": limit}
            )
        bad = _bad_character(value)
        if bad is not None:
            errors.append(
                _("%(column)s berisi karakter tak terlihat yang tidak boleh disimpan (kode U+%(code)04X).")
                % {"column": label, "code": ord(bad)}
            )
    if not row[NAME]:
        errors.append(_("Nama wajib diisi."))
    if not errors:
        _check_identity(row, errors, today)
    return row


def _check_identity(row, errors, today):
    employment_type, nip, nik = row[TYPE], row[NIP], row[NIK]
    if employment_type in (EmploymentType.PNS, EmploymentType.PPPK):
        if not nip:
            errors.append(_("PNS dan PPPK wajib punya NIP / NI PPPK."))
        else:
            try:
                validate_nip(nip, employment_type, today=today)
            except ValidationError as exc:
                errors.extend(exc.messages)
    elif nip:
        errors.append(_("Pegawai non-ASN tidak memakai NIP; kosongkan NIP dan isi NIK."))
    elif not nik:
        errors.append(_("Pegawai non-ASN wajib punya NIK (16 digit)."))


@dataclass
class Plan:
    """What an import does to the database, row by row."""

    new: list = field(default_factory=list)  # parsed rows
    changed: list = field(default_factory=list)  # (parsed row, employee id, ["Jabatan: a → b", …])
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # (parsed row, [messages])
    missing: list = field(default_factory=list)  # (id, name) of active employees the file leaves out
    units: dict = field(default_factory=dict)  # casefolded unit name → id

    @property
    def counts(self):
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }


def plan(agency, rows, *, full_roster=False, progress=None):
    """Compare parsed ``rows`` with ``agency``'s roster as it is now."""
    result = Plan()
    result.units = {name.casefold(): pk for pk, name in agency.units.values_list("pk", "name")}
    unit_names = {pk: name for name, pk in result.units.items()}
    existing = _existing(rows)
    seen_ids = set()
    for row in rows:
        if row[ERRORS]:
            result.rejected.append((row, list(row[ERRORS])))
            continue
        unit_id = None
        if row[UNIT]:
            unit_id = result.units.get(row[UNIT].casefold())
            if unit_id is None:
                message = _(
                    "Unit kerja “%(name)s” belum ada di instansi ini; tambahkan dulu di halaman Unit Kerja."
                ) % {"name": row[UNIT]}
                result.rejected.append((row, [message]))
                continue
        employee = existing.get(row_key(row))
        if employee is None and row[NIP] and row[NIK]:
            employee = existing.get(("nik", row[NIK]))
        if employee is not None and employee["agency_id"] != agency.pk:
            message = _(
                "%(value)s sudah terdaftar di instansi lain; minta instansi itu menonaktifkan atau memindahkannya."
            ) % {"value": row[NIP] or row[NIK]}
            result.rejected.append((row, [message]))
            continue
        if employee is None:
            result.new.append(row)
            continue
        seen_ids.add(employee["id"])
        changes = _changes(employee, row, unit_id, unit_names)
        if changes:
            result.changed.append((row, employee["id"], changes))
        else:
            result.unchanged += 1
        if progress is not None and len(seen_ids) % 1000 == 0:
            progress.step(1000)
    if full_roster:
        active = Employee.objects.filter(agency=agency, is_active=True).values_list("id", "name")
        result.missing = [(pk, name) for pk, name in active if pk not in seen_ids]
    return result


def _existing(rows):
    """The employees (any agency) the rows name, by ``("nip", …)`` and ``("nik", …)``."""
    nips = [row[NIP] for row in rows if row[NIP]]
    niks = [row[NIK] for row in rows if row[NIK]]
    found = {}
    fields = ("id", "agency_id", "unit_id", "is_active", "position", "phone", "email")
    fields += tuple(name for name, _slot in COMPARED)
    for start in range(0, max(len(nips), len(niks)), LOOKUP_CHUNK):
        query = Q(nip__in=nips[start : start + LOOKUP_CHUNK]) | Q(nik__in=niks[start : start + LOOKUP_CHUNK])
        for employee in Employee.objects.filter(query).values(*fields):
            if employee["nip"]:
                found[("nip", employee["nip"])] = employee
            if employee["nik"]:
                found[("nik", employee["nik"])] = employee
    return found


def _changes(employee, row, unit_id, unit_names):
    """``["Jabatan: Analis → Kepala Bagian", …]``: what the row changes."""
    pairs = [
        (COLUMNS["nip"], employee["nip"], row[NIP]),
        (COLUMNS["nik"], employee["nik"], row[NIK]),
        (COLUMNS["name"], employee["name"], row[NAME]),
        (COLUMNS["employment_type"], employee["employment_type"], row[TYPE]),
        (COLUMNS["rank"], employee["rank"], row[RANK]),
        (COLUMNS["position"], employee["position"], row[POSITION]),
        (COLUMNS["unit"], unit_names.get(employee["unit_id"]), unit_names.get(unit_id)),
        (COLUMNS["is_active"], _yes_no(employee["is_active"]), _yes_no(row[ACTIVE])),
    ]
    if row[PHONE] is not None:
        pairs.append((COLUMNS["phone"], local_phone(employee["phone"]), local_phone(row[PHONE])))
    if row[EMAIL] is not None:
        pairs.append((COLUMNS["email"], employee["email"], row[EMAIL]))
    return [f"{label}: {old or '–'} → {new or '–'}" for label, old, new in pairs if (old or None) != (new or None)]


def _yes_no(value):
    return _("Ya") if value else _("Tidak")


def _values(row, units):
    """The row's fields; a contact column the file lacks is left out (kept as stored)."""
    contact = {name: row[slot] for name, slot in (("phone", PHONE), ("email", EMAIL)) if row[slot] is not None}
    return {
        **contact,
        "nip": row[NIP],
        "nik": row[NIK],
        "name": row[NAME],
        "employment_type": row[TYPE],
        "rank": row[RANK],
        "position": row[POSITION],
        "unit_id": units.get(row[UNIT].casefold()) if row[UNIT] else None,
        "is_active": row[ACTIVE],
    }


def write(agency, planned, *, deactivate_missing=False, progress=None):
    """Store ``planned`` (in the caller's transaction). Rows the database still refuses
    move to ``planned.rejected`` with their row number; returns the number deactivated."""
    now = timezone.now()
    stored_new = []
    for start in range(0, len(planned.new), BATCH):
        batch = planned.new[start : start + BATCH]
        stored_new += _store(
            planned, batch, lambda rows: _insert(agency, rows, now, planned.units), entry_row=lambda e: e
        )
        if progress is not None:
            progress.step(len(batch))
    planned.new = stored_new
    stored_changed = []
    for start in range(0, len(planned.changed), BATCH):
        batch = planned.changed[start : start + BATCH]
        stored_changed += _store(
            planned, batch, lambda entries: _update(agency, entries, now, planned.units), entry_row=lambda e: e[0]
        )
        if progress is not None:
            progress.step(len(batch))
    planned.changed = stored_changed
    if deactivate_missing and planned.missing:
        ids = [pk for pk, _name in planned.missing]
        return sum(
            Employee.objects.filter(pk__in=ids[i : i + LOOKUP_CHUNK]).update(is_active=False, updated_at=now)
            for i in range(0, len(ids), LOOKUP_CHUNK)
        )
    return 0


def _store(planned, entries, save, *, entry_row):
    """Write one batch; if the database refuses it, write row by row and reject (with
    the row number) only the rows it refuses. Returns the entries stored."""
    try:
        with transaction.atomic():
            save(entries)
        return entries
    except (IntegrityError, DatabaseError):
        pass
    stored = []
    for entry in entries:
        try:
            with transaction.atomic():
                save([entry])
            stored.append(entry)
        except (IntegrityError, DatabaseError) as error:
            planned.rejected.append((entry_row(entry), [refusal_message(error)]))
    planned.rejected.sort(key=lambda item: item[0][ROW])
    return stored


INSERTED = (
    "agency",
    "unit",
    "employment_type",
    "nip",
    "nik",
    "name",
    "rank",
    "position",
    "is_active",
    "phone",
    "email",
)


def _insert(agency, rows, now, units):
    """New employees. On PostgreSQL through COPY — the constraints are checked all the
    same, at a fraction of an INSERT's cost per row; elsewhere ``bulk_create``."""
    if connection.vendor != "postgresql":
        employees = [Employee(agency=agency, created_at=now, updated_at=now, **_values(row, units)) for row in rows]
        Employee.objects.bulk_create(employees)
        return
    columns = [Employee._meta.get_field(name).column for name in (*INSERTED, "created_at", "updated_at")]
    table = connection.ops.quote_name(Employee._meta.db_table)
    sql = f"COPY {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) FROM STDIN"
    # Django's own error classes (IntegrityError, DataError) for psycopg's, as for any query.
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            values = _values(row, units)
            copy.write_row(
                (
                    agency.pk,
                    values["unit_id"],
                    values["employment_type"],
                    values["nip"],
                    values["nik"],
                    values["name"],
                    values["rank"],
                    values["position"],
                    values["is_active"],
                    values.get("phone", ""),
                    values.get("email", ""),
                    now,
                    now,
                )
            )


def _update(agency, entries, now, units):
    employees = [Employee(pk=pk, agency=agency, updated_at=now, **_values(row, units)) for row, pk, _changes in entries]
    fields = [*WRITTEN[:6], "unit", "is_active", "updated_at"]
    first = entries[0][0] if entries else None
    # Every row of one file has the same columns: a contact column is written if the file has it.
    fields += [name for name, slot in (("phone", PHONE), ("email", EMAIL)) if first and first[slot] is not None]
    Employee.objects.bulk_update(employees, fields)


REFUSALS = {
    "nip": lambda: _("NIP ini baru saja dipakai pegawai lain (mungkin oleh impor atau perubahan lain); periksa lagi."),
    "nik": lambda: _("NIK ini baru saja dipakai pegawai lain (mungkin oleh impor atau perubahan lain); periksa lagi."),
    "unit": lambda: _("Unit kerjanya baru saja dihapus; periksa halaman Unit Kerja lalu impor lagi."),
}


def refusal_message(error):
    """The database's refusal of a row, in Indonesian (never its English text)."""
    text = str(error).lower()
    for key in ("nip", "nik", "unit"):
        if key in text:
            return REFUSALS[key]()
    return _("Basis data menolak baris ini; periksa isinya lalu impor lagi.")
