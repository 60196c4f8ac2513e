"""The personal link on a phone whose network fails: the submit is kept on the phone,
a reload without network shows it waiting, and it is sent — once — when the network is
back (docs/architecture.md, "Signing when the network fails")."""

import time

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from ceremonies.models import Ceremony
from pledges.models import Signature
from tests.browser.conftest import draw_signature, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PENDING = "Tersimpan di ponsel ini. Akan dikirim otomatis saat sinyal kembali — jangan hapus data peramban."

# Back online, the page (or the service worker's Background Sync, whichever is first) sends
# what it kept at once; on a loaded 2-core machine running the suite in two processes the
# round trip and the page loads can take several seconds.
BACK_ONLINE_MS = 45_000


def open_link(page, live_server, invitation):
    """Load the link and wait until the service worker controls it and the page is kept
    for a reload without network."""
    url = live_server.url + reverse("pledges:sign", args=[invitation.token])
    page.goto(url)
    until(page, "() => navigator.serviceWorker.controller !== null")
    until(page, "() => caches.match(location.href).then(r => !!r)")
    return url


def until(page, predicate, seconds=15):
    """Wait for ``predicate`` (a function, maybe async) to be true in the page — polled
    with evaluate, since the page's CSP forbids the eval wait_for_function uses."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, predicate
        page.wait_for_timeout(100)


def sign_offline(page):
    page.context.set_offline(True)
    draw_signature(page)
    page.get_by_label("Saya telah membaca dan menyetujui").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    page.get_by_text(PENDING).wait_for()


def test_signed_offline_reloaded_offline_sent_once_back_online(phone, live_server, invitation):
    open_link(phone, live_server, invitation)
    sign_offline(phone)
    assert phone.locator("#sign-form").is_hidden()
    assert phone.locator("#pending img").get_attribute("src").startswith("data:image/png;base64,")
    screenshot(phone, "offline-pending")

    phone.reload()  # no network: the phone's copy, still waiting
    phone.get_by_text(PENDING).wait_for()
    assert phone.locator("#sign-form").is_hidden()
    assert not Signature.objects.exists()

    phone.context.set_offline(False)
    phone.wait_for_selector("text=Pakta sudah ditandatangani.", timeout=BACK_ONLINE_MS)
    signature = Signature.objects.get()
    assert signature.invitation_id == invitation.pk
    assert signature.submission_id is not None
    # The signing time is the server's receipt; the phone's time is kept as a claim, before it.
    assert signature.claimed_at is not None and signature.claimed_at <= signature.signed_at
    assert not signature.arrived_late
    assert phone.locator(".code").inner_text() == signature.display_code
    # Nothing left waiting on the phone.
    assert phone.evaluate("NetralitasPending.all().then(all => all.length)") == 0
    phone.reload()
    assert phone.get_by_text("Pakta sudah ditandatangani.").is_visible()
    assert Signature.objects.count() == 1


def test_the_service_worker_and_what_it_keeps_weigh_at_most_150_kb(phone, live_server, invitation):
    open_link(phone, live_server, invitation)
    until(phone, "() => caches.open('netralitas-signing-v1').then(c => c.keys()).then(keys => keys.length >= 4)")
    kept = phone.evaluate(
        """async () => {
            const cache = await caches.open('netralitas-signing-v1');
            const sizes = {};
            for (const request of await cache.keys()) {
                sizes[request.url] = (await (await cache.match(request)).arrayBuffer()).byteLength;
            }
            return sizes;
        }"""
    )
    worker = phone.request.get(live_server.url + reverse("pledges:service_worker"))
    store = [url for url in kept if url.endswith(".js") and "pending_store" in url]
    assert store and any("/t/" in url for url in kept)  # the page itself and the queue's code
    assert worker.ok and "importScripts" in worker.text()
    assert sum(kept.values()) + len(worker.body()) <= 150_000, kept


def test_window_closed_meanwhile_is_refused_explained_and_kept_visible(phone, live_server, invitation):
    url = open_link(phone, live_server, invitation)
    sign_offline(phone)
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(status=Ceremony.Status.CLOSED)

    phone.context.set_offline(False)
    phone.get_by_text("Tanda tangan Anda tidak diterima.").wait_for(timeout=BACK_ONLINE_MS)
    assert phone.get_by_text("setelah penandatanganan ditutup").is_visible()
    assert phone.locator("#late-refusal img").get_attribute("src").startswith("data:image/png;base64,")
    screenshot(phone, "offline-refused")
    assert not Signature.objects.exists()
    until(phone, "() => NetralitasPending.get(location.pathname).then(r => !!r && r.state === 'refused')")

    # Opened again later: the refused drawing is still shown on this phone, never sent again.
    phone.goto(url)
    phone.locator("#pending-refused img").wait_for()
    assert phone.locator("#late-refusal").count() == 0
    assert phone.locator("#pending-refused").is_visible()
    assert not Signature.objects.exists()


def test_late_arrival_within_the_grace_is_taken_and_recorded_as_late(phone, live_server, invitation):
    open_link(phone, live_server, invitation)
    sign_offline(phone)
    # The scheduled close passes while the phone has no network; the operator allows 30 minutes.
    Ceremony.objects.filter(pk=invitation.ceremony_id).update(signing_closes_at=timezone.now(), late_grace_minutes=30)

    phone.context.set_offline(False)
    phone.wait_for_selector("text=Pakta sudah ditandatangani.", timeout=BACK_ONLINE_MS)
    signature = Signature.objects.get()
    assert signature.arrived_late
    assert signature.claimed_at < Ceremony.objects.get().signing_closes_at <= signature.signed_at
    event = AuditEvent.objects.get(object_type="signature", object_id=str(signature.pk))
    assert "terlambat" in event.description


def test_two_tabs_make_one_pending_submission_and_one_signature(phone, live_server, invitation):
    first = phone
    url = open_link(first, live_server, invitation)
    second = first.context.new_page()
    second.goto(url)
    until(second, "() => navigator.serviceWorker.controller !== null")

    sign_offline(first)
    kept = first.evaluate("NetralitasPending.all()")
    # The second tab, still showing the form, signs too: it makes no second submission.
    draw_signature(second)
    second.get_by_label("Saya telah membaca dan menyetujui").check()
    second.get_by_role("button", name="Tanda tangani pakta").click()
    second.get_by_text(PENDING).wait_for()
    assert second.evaluate("NetralitasPending.all()") == kept
    assert len(kept) == 1

    first.context.set_offline(False)
    first.wait_for_selector("text=Pakta sudah ditandatangani.")
    second.wait_for_selector("text=Pakta sudah ditandatangani.")
    signature = Signature.objects.get()
    assert str(signature.submission_id) == kept[0]["submission_id"]
    assert Signature.objects.count() == 1


def test_a_submission_the_worker_had_answered_is_sent_again_at_once_and_its_answer_shown(
    phone, live_server, invitation
):
    """The network came back for the service worker first: its Background Sync reached the
    server and marked the kept submission answered (service_worker.js ``send``), but it can
    only make the page load again. The page that then opens the link sends it at once — the
    same id, one signature — and shows the answer, not the empty form or a 15-s wait."""
    url = open_link(phone, live_server, invitation)
    sign_offline(phone)
    phone.goto("about:blank")
    # Answered by the worker, and tried by a page so lately that its own wait would last an
    # hour: only the rule for an answered submission can send it now.
    answered_by_worker = (
        "NetralitasPending.update(location.pathname, r => "
        "{ r.state = 'answered'; r.tried_ms = Date.now() + 3600 * 1000; return r; })"
    )
    phone.goto(url)  # no network: the kept page, from the cache
    phone.get_by_text(PENDING).wait_for()
    phone.evaluate(answered_by_worker)
    phone.goto("about:blank")
    phone.context.set_offline(False)
    phone.goto(url)
    phone.wait_for_selector("text=Pakta sudah ditandatangani.", timeout=BACK_ONLINE_MS)
    assert Signature.objects.count() == 1
    assert phone.evaluate("NetralitasPending.all().then(all => all.length)") == 0
