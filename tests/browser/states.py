"""What a user does on a page before the accessibility test checks it: the
``then(page, ctx)`` steps of ``test_accessibility.PAGES`` (send a form, open the
menu, ask until refused…), each leaving the page in the state to check."""

from django.template.loader import render_to_string
from django.urls import reverse

from tests.browser.axe import check


def submit(button, *, status=None):
    """Press a form's button and wait for the page it answers with."""

    def then(page, ctx):
        with page.expect_navigation() as navigation:
            page.get_by_role("button", name=button, exact=True).click()
        if status is not None:
            assert navigation.value.status == status, (page.url, navigation.value.status)

    return then


def follow_link(name):
    """Follow a link and wait for the page it ends on, after any redirects."""

    def then(page, ctx):
        with page.expect_navigation():
            page.get_by_role("link", name=name, exact=True).click()

    return then


def submit_unchecked(button):
    """Send a form as it is, the browser's own checks off (``novalidate``): the
    server's error messages are what the page then shows."""

    def then(page, ctx):
        page.evaluate("() => document.querySelectorAll('main form').forEach(form => { form.noValidate = true; })")
        submit(button, status=200)(page, ctx)

    return then


def fill_and_submit(fields, button, *, status=200):
    def then(page, ctx):
        for name, value in fields.items():
            page.locator(f"[name={name}]").fill(value)
        submit(button, status=status)(page, ctx)

    return then


def open_menu(page, ctx):
    page.set_viewport_size({"width": 360, "height": 900})
    page.get_by_role("button", name="Menu").click()
    page.locator("#nav.show").wait_for()


def sign_without_drawing(page, ctx):
    page.get_by_label("Saya telah membaca dan menyetujui").check()
    page.get_by_role("button", name="Tanda tangani pakta").click()
    page.locator("#pad-empty").wait_for()


def without_csrf_cookie(page, ctx):
    page.locator("[name=username]").fill("operator_a")
    page.locator("[name=password]").fill("salah")
    page.context.clear_cookies()
    submit("Masuk", status=403)(page, ctx)


def until_refused(method, url_name, data=None):
    """Ask until the address is refused (429), then show that answer."""

    def then(page, ctx):
        url = ctx.live_server.url + reverse(url_name)
        csrf = {"csrfmiddlewaretoken": next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")}
        for _ in range(200):
            answer = getattr(page.request, method)(url, **({"form": {**csrf, **data}} if data else {}))
            if answer.status == 429:
                break
        with page.expect_navigation() as navigation:
            page.reload() if method == "get" else submit_form(page, data)
        assert navigation.value.status == 429, navigation.value.status

    return then


def submit_form(page, data):
    for name, value in data.items():
        page.locator(f"[name={name}]").fill(value)
    page.locator("main form button[type=submit]").click()


def server_error(page, ctx):
    """No view of ours fails on purpose: the 500 page (what ``handler500`` renders)
    is served by the browser's router at an address of the live server."""
    url = ctx.live_server.url + "/kesalahan-server/"
    html = render_to_string("500.html")
    page.route(url, lambda route: route.fulfill(status=500, body=html, content_type="text/html; charset=utf-8"))
    page.goto(url)


def upload_roster(page, ctx):
    """Upload a roster with a bad row: its preview job is queued (no worker yet), checked;
    then run, and its report shown."""
    path = ctx.tmp_path / "pegawai.csv"
    path.write_text("NIP,Nama,Unit Kerja\n19800101 200501 1 001,Budi Santoso,Sekretariat Daerah\n1.98E+17,Excel,\n")
    page.get_by_label("Berkas daftar pegawai").set_input_files(str(path))
    submit("Lihat pratinjau")(page, ctx)
    ctx.failures += check(page, "operator_a import preview, queued")
    ctx.run_jobs()
    page.reload()
    page.locator("#rejected").wait_for()


def switch_to_english(page, ctx):
    submit("English")(page, ctx)
    assert page.locator("html").get_attribute("lang") == "en"
