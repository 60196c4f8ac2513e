"""The client's address, directly and behind our own reverse proxy."""

from django.test import RequestFactory, override_settings

from netralitas.lib.http import attachment, client_ip, file_slug, ratelimit_ip


def request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(TRUSTED_PROXY=False)
def test_without_a_proxy_the_forwarded_header_is_ignored():
    assert client_ip(request(forwarded="203.0.113.9")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY=True)
def test_behind_the_proxy_the_last_hop_is_the_client():
    # The client may send its own X-Forwarded-For; our proxy appends the real address last.
    assert client_ip(request(remote="10.0.0.2", forwarded="1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(request(remote="10.0.0.2", forwarded=" 203.0.113.9 ")) == "203.0.113.9"


@override_settings(TRUSTED_PROXY=True)
def test_behind_the_proxy_without_the_header_falls_back_to_the_peer():
    assert client_ip(request(remote="10.0.0.2", forwarded="")) == "10.0.0.2"
    assert client_ip(request(remote="10.0.0.2")) == "10.0.0.2"


def test_rate_limit_key_is_never_empty():
    assert client_ip(request(remote="")) is None
    assert ratelimit_ip(request(remote="")) == "0.0.0.0"


def test_attachment_names_the_file_safely():
    response = attachment(b"x", "text/csv", "rekap apel “Bukittinggi”.csv")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''" in disposition
    inline = attachment(b"%PDF", "application/pdf", "poster.pdf", inline=True)
    assert inline["Content-Disposition"].startswith("inline;")


def test_a_name_in_a_file_name_is_ascii_short_and_cut_between_words():
    assert file_slug("Badan Kepegawaian & Pengembangan SDM", "unit-1") == "badan-kepegawaian-pengembangan-sdm"
    assert file_slug("Dinas Pekerjaan Umum dan Penataan Ruang", "x", limit=30) == "dinas-pekerjaan-umum-dan"
    assert file_slug("Bagian Umum", "x", limit=11) == "bagian-umum"
    assert file_slug("Süß Çağ", "x") == "su-cag"  # ASCII only
    assert file_slug("مكتب", "unit-7") == "unit-7"  # nothing left of it: the fallback
