"""The agency's rolling one-time code for BSrE's seal.

BSrE hands out the first code out of band; each refresh (``seal/get/totp`` with the
current code) gives the next one and kills the old. So the code is shared state: it
lives in the database (``BsreCode``, encrypted with a key derived from ``SECRET_KEY``),
and one worker at a time refreshes it — the refresher claims the row with a conditional
UPDATE (``refreshing_until``), calls BSrE outside any transaction, and writes the new
code only if the row still holds the version it refreshed. A worker that finds another
already replaced the code reads the new one instead of refreshing with a dead one.

A code that expires unused breaks the chain until BSrE issues a new one, so the
worker's ``bsre_keep_alive`` task refreshes it in time while nothing is sealed
(``manage.py bsre_keepalive`` does the same from cron). The code is never logged,
put in the trail, a task's arguments or an error page."""

import base64
import datetime
import functools
import logging
import time

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from pledges.bsre import client
from pledges.models import BsreCode

logger = logging.getLogger(__name__)

WAIT_FOR_REFRESHER = 0.2  # seconds between looks while another worker refreshes
UNKNOWN_LIFETIME = datetime.timedelta(seconds=0)  # a first code: refresh at once
ANSWERED_EVERY = datetime.timedelta(seconds=30)  # how fresh "BSrE answered" is kept


class CodeUnavailable(client.BsreError):
    """No usable code: none set up, the chain is broken, or it cannot be read."""


@functools.lru_cache(maxsize=4)
def _fernet(secret):
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"netralitas.bsre.code", info=b"totp").derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _encrypt(code):
    return _fernet(settings.SECRET_KEY).encrypt(code.encode()).decode("ascii")


def _decrypt(row):
    try:
        return _fernet(settings.SECRET_KEY).decrypt(row.encrypted_code.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise CodeUnavailable("kode BSrE tersimpan tidak dapat dibaca (SECRET_KEY berganti?)") from None


def store_first_code(agency, code):
    """Keep a code BSrE handed out (``bsre_setup``, the admin): it replaces whatever
    chain there was and is refreshed at the first chance, which also tells its expiry."""
    now = timezone.now()
    row, created = BsreCode.objects.get_or_create(
        agency=agency, defaults={"encrypted_code": _encrypt(code), "expires_at": now + UNKNOWN_LIFETIME}
    )
    if not created:
        BsreCode.objects.filter(pk=agency.pk).update(
            encrypted_code=_encrypt(code),
            version=F("version") + 1,
            expires_at=now + UNKNOWN_LIFETIME,
            refreshing_until=None,
            problem="",
            problem_since=None,
            keep_alive_at=None,
        )
    return BsreCode.objects.get(pk=agency.pk)


def _row(agency_id):
    try:
        return BsreCode.objects.get(pk=agency_id)
    except BsreCode.DoesNotExist:
        raise CodeUnavailable("belum ada kode BSrE: jalankan manage.py bsre_setup") from None


def due(row, now=None):
    return row.expires_at - (now or timezone.now()) < datetime.timedelta(seconds=settings.BSRE_REFRESH_BEFORE)


def current(agency):
    """``(code, version)`` to seal with now — refreshed first when little time is left."""
    row = _row(agency.pk)
    if row.problem == BsreCode.Problem.CHAIN:
        raise CodeUnavailable("rantai kode BSrE terputus: minta kode baru ke BSrE lalu jalankan bsre_setup")
    if due(row):
        try:
            return refresh(agency, row.version)
        except client.Transient as problem:
            if row.expires_at <= timezone.now():
                raise
            # Not refreshed this time, but still valid: seal with it; the next call tries again.
            logger.warning("BSrE code of %s not refreshed yet: %s", agency, problem)
    return _decrypt(row), row.version


def refresh(agency, seen_version):
    """The code after the one of ``seen_version``: refreshed by this worker if it wins
    the row, or read when another worker refreshed it meanwhile."""
    deadline = time.monotonic() + settings.BSRE_TIMEOUT + 15
    while True:
        row = _row(agency.pk)
        if row.version != seen_version:
            if row.problem == BsreCode.Problem.CHAIN:
                raise CodeUnavailable("rantai kode BSrE terputus")
            return _decrypt(row), row.version
        if row.problem == BsreCode.Problem.CHAIN:
            raise CodeUnavailable("rantai kode BSrE terputus: minta kode baru ke BSrE lalu jalankan bsre_setup")
        now = timezone.now()
        claim = now + datetime.timedelta(seconds=settings.BSRE_TIMEOUT + 10)
        won = (
            BsreCode.objects.filter(pk=agency.pk, version=seen_version)
            .filter(Q(refreshing_until__isnull=True) | Q(refreshing_until__lt=now))
            .update(refreshing_until=claim)
        )
        if won:
            break
        if time.monotonic() > deadline:
            raise client.Transient("kode BSrE sedang diperbarui pekerja lain terlalu lama")
        time.sleep(WAIT_FOR_REFRESHER)
    stale = _decrypt(row)
    try:
        code, expires_at = client.next_code(agency.bsre_subscriber, stale)
    except client.CodeRejected:
        note_problem(agency, BsreCode.Problem.CHAIN, release=True)
        raise
    except client.AuthRefused:
        note_problem(agency, BsreCode.Problem.AUTH, release=True)
        raise
    except client.BsreError:
        # A 5xx, or no answer: the code may still be good — the next try with it tells
        # (accepted: nothing was lost; refused: the chain is broken). Let another try.
        BsreCode.objects.filter(pk=agency.pk, version=seen_version).update(refreshing_until=None)
        raise
    now = timezone.now()
    BsreCode.objects.filter(pk=agency.pk, version=seen_version).update(
        encrypted_code=_encrypt(code),
        version=seen_version + 1,
        expires_at=expires_at,
        refreshing_until=None,
        refreshed_at=now,
        refreshes=F("refreshes") + 1,
        answered_at=now,
        problem="",
        problem_since=None,
    )
    return code, seen_version + 1


def note_problem(agency, problem, *, release=False):
    """Remember what went wrong (the readiness panel shows it), from when."""
    now = timezone.now()
    rows = BsreCode.objects.filter(pk=agency.pk)
    changes = {"refreshing_until": None} if release else {}
    rows.exclude(problem=problem).update(problem=problem, problem_since=now, **changes)
    if changes:
        rows.update(**changes)


def note_answered(agency, row_problem=None):
    """BSrE answered: clear a passing problem (not a broken chain), keep the time."""
    now = timezone.now()
    rows = BsreCode.objects.filter(pk=agency.pk)
    rows.filter(problem__in=[BsreCode.Problem.AUTH, BsreCode.Problem.UNREACHABLE]).update(
        problem="", problem_since=None, answered_at=now
    )
    rows.filter(Q(answered_at__isnull=True) | Q(answered_at__lt=now - ANSWERED_EVERY)).update(answered_at=now)


def keep_alive(agency):
    """Refresh the code if it is due, or as a probe while BSrE refuses or does not
    answer; ``True`` when the agency can seal afterwards."""
    row = _row(agency.pk)
    if row.problem == BsreCode.Problem.CHAIN:
        return False
    if due(row) or row.problem:
        try:
            refresh(agency, row.version)
        except client.Transient:
            note_problem(agency, BsreCode.Problem.UNREACHABLE)
            return False
        except client.BsreError:  # a refused code or refused credentials: noted by refresh()
            return False
    return True


def next_keep_alive(agency_id, now=None):
    """When the keep-alive should look next: just before the code is due, sooner while
    something is wrong, never (``None``) once the chain is broken."""
    now = now or timezone.now()
    row = BsreCode.objects.filter(pk=agency_id).first()
    if row is None or row.problem == BsreCode.Problem.CHAIN:
        return None
    if row.problem:
        return now + datetime.timedelta(seconds=60)
    when = row.expires_at - datetime.timedelta(seconds=settings.BSRE_REFRESH_BEFORE + 5)
    return max(when, now + datetime.timedelta(seconds=5))


def claim_keep_alive(agency_id, when):
    """``True`` if the caller should queue the keep-alive for ``when``: at most one is
    waiting per agency (a conditional UPDATE decides)."""
    now = timezone.now()
    return bool(
        BsreCode.objects.filter(pk=agency_id)
        .filter(Q(keep_alive_at__isnull=True) | Q(keep_alive_at__lte=now) | Q(keep_alive_at__gt=when))
        .update(keep_alive_at=when)
    )
