"""Every URL pattern, with hostile values in its path, its query string and its
forms, as every role: never a 5xx, and nothing stored.

The patterns come from the URL resolver itself (the Django admin's included), so a
URL added later is walked without a line here. Each path parameter gets the hostile
values its converter or regex accepts (zero, an integer past any column, ``²``, a
NUL, a direction override, a very long text, made-up tokens and codes), one
parameter at a time while the others keep a valid value from the world of
``tests/test_access.py``. Every role asks the valid URL (and is served or turned
away before any value matters); the role that gets past the door of the page also
asks the hostile paths, the URL with every hostile value in all the query names the
project and the admin read, each filter of the page's GET forms on its own (values
by the kind of field), and the page's POST forms with text no form may store.
``test_access.py`` checks who gets what for valid values; this walk checks that
nothing breaks, and nothing is stored, for invalid ones.
"""

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from audit.models import AuditEvent
from netralitas.lib.text import hidden_characters
from tests.test_access import ROLES, ROUTES, matrix_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

# What a hostile client puts in a path: every value is tried where the parameter's
# converter or regex accepts it; the shaped ones only where the regex has a shape
# (a token, a code), not where it takes any text.
HOSTILE_PATH_VALUES = (
    "0",
    "99999999999999999999",  # past any integer column
    "²",  # a digit to str.isdigit(), not to int()
    "\x00",
    "\u202eFDP.exe",
    "A" * 400,
)
ADMIN_PATH_VALUES = ("99999999999999999999", "²", "\x00")
SHAPED_PATH_VALUES = (
    "AAAAAAAAAAAAAAAA",  # a made-up 16-character token
    "----------------",
    "ABCDEFGHJK",  # a made-up verification code
    "00000000-0000-4000-8000-000000000000",  # a made-up job id (uuid)
)
# What a hostile client puts in a query string: each value goes into every filter
# name at once (each filter is validated on its own).
HOSTILE_VALUES = ("\x00", "²", "\u202e1", "99999999999999999999", "9999-12-31", "0001-01-01")
# What no form may store, whatever the field: sent in every field of a form at once.
# Django's own forms refuse NUL and over-long text for us; a direction override is
# what the admin's forms (ours and Django's users and groups) must refuse themselves.
NEVER_STORED = ("\x00", "\u202eatreS", "X" * 3000)
ADMIN_NEVER_STORED = ("\u202eatreS",)
# The admin's lists read their own filters (Django's code): fewer values there.
ADMIN_QUERY_VALUES = ("\x00", "²", "99999999999999999999")
# The query-string names the project reads, and the Django admin's.
QUERY_NAMES = (
    "q", "unit", "sub", "status", "jenis", "pangkat", "halaman", "belum", "instansi", "action", "user",
    "agency", "since", "until", "code", "next", "o", "p", "e", "all", "_to_field", "_popup",
    "_changelist_filters", "agency__id__exact", "starts_at__gte", "role", "ceremony", "cursor", "page_size",
    "script",
)  # fmt: skip
# POSTs that are an action rather than a form: sent only with hostile path values.
ACTIONS = re.compile(r"(set_status|logout|import_confirm|import_cancel|_delete)$")


@dataclass
class Target:
    name: str  # "namespace:name"
    parts: list  # literal text and ("param", name, regex) in order
    kind: str  # "public", "account", "operator", "auditor" or "admin"
    valid: dict  # a valid value per parameter, where the world has one

    def url(self, values):
        built = []
        for part in self.parts:
            if isinstance(part, str):
                built.append(part)
            else:
                _tag, name, regex = part
                value = values[name]
                built.append(quote(value, safe="/" if regex.fullmatch("a/b") else ""))
        return "/" + "".join(built)


PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def pattern_parts(pattern):
    """A URL pattern as literal text and parameters with the regex each accepts."""
    if isinstance(pattern, RoutePattern):
        parts, position, route = [], 0, str(pattern)
        for match in PARAM.finditer(route):
            parts.append(route[position : match.start()])
            converter = pattern.converters[match["name"]]
            parts.append(("param", match["name"], re.compile(converter.regex)))
            position = match.end()
        parts.append(route[position:])
        return parts
    assert isinstance(pattern, RegexPattern), pattern
    regex, parts, position = str(pattern).removeprefix("^").removesuffix("$"), [], 0
    for start in [m.start() for m in re.finditer(r"\(\?P<", regex)]:
        if start < position:
            continue
        depth, end = 0, start
        for end in range(start, len(regex)):
            depth += {"(": 1, ")": -1}.get(regex[end], 0) if regex[end - 1 : end] != "\\" else 0
            if depth == 0:
                break
        name = re.match(r"\(\?P<([^>]+)>", regex[start:])[1]
        inner = regex[start + len(f"(?P<{name}>") : end]
        parts.append(re.sub(r"\\(.)", r"\1", regex[position:start]))
        parts.append(("param", name, re.compile(inner)))
        position = end + 1
    parts.append(re.sub(r"\\(.)", r"\1", regex[position:]))
    return parts


def leaves(patterns=None, prefix=(), namespace=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from leaves(pattern.url_patterns, (*prefix, pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.lookup_str}", (*prefix, pattern.pattern)


def targets(world):
    """Every URL pattern with a valid value per parameter where the world has one."""
    routes = {route.name: route for route in ROUTES}
    found = []
    for name, patterns in leaves():
        parts = [part for pattern in patterns for part in pattern_parts(pattern) if part != ""]
        params = [part[1] for part in parts if not isinstance(part, str)]
        valid = {}
        if name in routes:
            kind = routes[name].kind
            if routes[name].args:
                valid = dict(zip(params, [str(arg) for arg in routes[name].args(world, "a")], strict=True))
        else:
            assert name.startswith("admin:"), f"{name} is neither in test_access.ROUTES nor the admin's"
            kind = "admin"
            valid = admin_values(name, params, world)
        found.append(Target(name, parts, kind, valid))
    return found


def admin_values(name, params, world):
    values = {}
    for model in admin.site._registry:
        opts = model._meta
        if name.startswith(f"admin:{opts.app_label}_{opts.model_name}_"):
            obj = model.objects.order_by("pk").first()
            if obj is not None:
                values["object_id"] = str(obj.pk)
                values["id"] = str(obj.pk)
    if "app_label" in params:
        values["app_label"] = "roster"
    return {name: value for name, value in values.items() if name in params}


def path_variants(target):
    """The valid URL (when every parameter has a value) and, one parameter at a
    time, each hostile value its pattern accepts."""
    params = [part for part in target.parts if not isinstance(part, str)]
    base = {name: target.valid.get(name) for _tag, name, _regex in params}
    for _tag, name, regex in params:
        if base[name] is None:
            base[name] = next((v for v in HOSTILE_PATH_VALUES if regex.fullmatch(v)), None) or "x"
    variants = [("valid", target.url(base))] if all(name in target.valid for name in base) or not params else []
    for _tag, name, regex in params:
        shaped = () if regex.fullmatch("\x00 any text") else SHAPED_PATH_VALUES
        # The admin's object pages all run Django's one lookup: what can break it is enough.
        values = HOSTILE_PATH_VALUES if target.kind != "admin" else ADMIN_PATH_VALUES
        for value in values + shaped:
            if regex.fullmatch(value) and value != base[name]:
                variants.append((f"{name}={value[:12]!r}", target.url({**base, name: value})))
    return variants


REACHING = {
    # The role that gets past the door of each kind of page, for the hostile values.
    "public": ("anonymous",),
    "account": ("nobody",),
    "operator": ("operator_a",),
    "auditor": ("auditor_ab", "admin"),
    "admin": ("admin",),
    # The API answers a token, not a session: an auditor's token of both agencies.
    "api": ("token_ab",),
}
TOKEN_ROLES = ("token_ab",)


def snapshot():
    """Rows per table, except the trail (views record what was viewed), sessions and the
    API's use log (every request with a token is one row)."""
    skip = {AuditEvent, apps.get_model("sessions", "Session"), apps.get_model("api", "TokenUse")}
    return {model._meta.label: model.objects.count() for model in apps.get_models() if model not in skip}


def requests_for(target):
    """``(role, method, url, data)`` of the walk for one URL pattern."""
    variants = path_variants(target)
    reaching = REACHING[target.kind]
    for label, url in variants:
        if label == "valid":
            # Everyone is turned away, or served, before any value matters.
            yield from ((role, "get", url, None) for role in ROLES)
            continue
        for role in reaching if target.kind != "public" else ("anonymous", "operator_a"):
            yield role, "get", url, None
            if target.kind != "admin":  # the admin's own views: GET is enough to reach the lookup
                yield role, "post", url, {"x": NEVER_STORED[0]}
    for label, url in variants:
        if label != "valid":
            continue
        for role in reaching:
            for value in HOSTILE_VALUES if target.kind != "admin" else ADMIN_QUERY_VALUES:
                yield role, "get", url, dict.fromkeys(QUERY_NAMES, value)
            # An admin "change" page has the form class of its "add" page, which is sent.
            if not ACTIONS.search(target.name) and not (target.kind == "admin" and target.name.endswith("_change")):
                yield role, "form", url, None


def walk(client, world, kinds):
    """Ask every request of the walk, signed in once per role; a page with a POST
    form is then sent :data:`NEVER_STORED` in every field. Returns the failures and
    how many requests were asked."""
    client.raise_request_exception = False
    failures, asked = [], 0
    todo = [request for target in targets(world) if target.kind in kinds for request in requests_for(target)]

    def ask(role, method, url, data=None):
        nonlocal asked
        asked += 1
        response = getattr(client, method)(url, data or {})
        if response.streaming:
            b"".join(response.streaming_content)
        # The monitoring endpoint's 503 is its answer (no worker beats here), not a failure.
        if response.status_code >= 500 and not (url.startswith("/healthz/") and response.status_code == 503):
            error = response.exc_info[1] if response.exc_info else ""
            failures.append(f"{role} {method.upper()} {url[:100]} {str(data)[:70]} → {error!r}")
        return response

    for role in (*ROLES, *TOKEN_ROLES):
        mine = [(method, url, data) for who, method, url, data in todo if who == role]
        client.logout()
        client.defaults.pop("HTTP_AUTHORIZATION", None)
        if role in TOKEN_ROLES:
            client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {world.api_token_ab.secret}"
        elif mine and role != "anonymous":
            client.force_login(getattr(world, role))
        for method, url, data in mine:
            if method != "form":
                ask(role, method, url, data)
                continue
            page = ask(role, "get", url)
            fields = form_fields(page, "post")
            for value in (NEVER_STORED if not url.startswith("/admin/") else ADMIN_NEVER_STORED) if fields else ():
                ask(role, "post", url, dict.fromkeys(fields, value))
            # The page's filters (GET forms), one at a time — an early refusal of one
            # filter must not hide how another takes the same value — with the values
            # that matter for the kind of field.
            for action, name, kind in form_fields(page, "get", with_action=True):
                for value in FIELD_VALUES.get(kind, FIELD_VALUES["text"]):
                    ask(role, "get", action or url, {name: value})
    return failures, asked


FORM = re.compile(r"<form([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea)([^>]*)>")
# A filter field's hostile values, by the kind of field the page shows.
FIELD_VALUES = {
    "select": ("²", "99999999999999999999"),
    "date": ("0001-01-01", "9999-12-31"),
    "datetime-local": ("0001-01-01T00:00", "9999-12-31T23:59"),
    "checkbox": ("0", "\x00"),
    "text": ("\x00", "\u202e1"),
}


def form_fields(page, method, with_action=False):
    """The field names of the page's forms of ``method`` (with each form's action
    and the field's kind)."""
    if page.status_code != 200 or page.streaming or "html" not in page.get("Content-Type", ""):
        return []
    found = []
    for attributes, body in FORM.findall(page.content.decode(errors="replace")):
        declared = re.search(r"method=\"(\w+)\"", attributes, re.I)
        if (declared[1].lower() if declared else "get") != method:
            continue
        action = re.search(r"action=\"([^\"]*)\"", attributes)
        action = html.unescape(action[1]) if action else ""
        for tag, field_attributes in FIELD.findall(body):
            name = re.search(r"\bname=\"([^\"]+)\"", field_attributes)
            if name is None or name[1] in ("csrfmiddlewaretoken", "next", "language"):
                continue
            kind = re.search(r"\btype=\"([^\"]+)\"", field_attributes)
            kind = tag if tag != "input" else (kind[1] if kind else "text")
            item = (action, name[1], kind) if with_action else name[1]
            if item not in found:
                found.append(item)
    return found


@pytest.mark.parametrize(
    "kinds", [("public", "account"), ("operator",), ("auditor",), ("admin",), ("api",)], ids="-".join
)
def test_hostile_paths_and_queries_break_nothing_and_store_nothing(client, matrix_world, kinds):  # noqa: F811
    before = snapshot()
    events_before = AuditEvent.objects.count()
    failures, asked = walk(client, matrix_world, kinds)
    assert not failures, f"{len(failures)} of {asked} requests failed:\n" + "\n".join(failures[:40])
    assert snapshot() == before, "a hostile request stored something"
    for event in AuditEvent.objects.order_by("pk")[events_before:]:
        assert not hidden_characters(event.description), event.description


def test_every_pattern_is_walked(matrix_world):  # noqa: F811
    """The walk covers the project's URLs and the admin's: none is left without a
    path that reaches its view."""
    found = targets(matrix_world)
    assert {route.name for route in ROUTES} <= {target.name for target in found}
    assert sum(target.kind == "admin" for target in found) > 40
    unreached = [t.name for t in found if not path_variants(t)]
    assert not unreached, unreached
