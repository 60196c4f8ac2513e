"""Limits on failures — wrong passwords, wrong codes: only failures are counted, and a
limit once reached refuses every try under its key, right or wrong, until its window
ends. The counters are django-ratelimit's (``get_usage``, fixed windows in the shared
cache); what is counted under which key is the caller's choice
(``roster.login_limits``, ``pledges.views.apel``)."""

from dataclasses import dataclass

from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class FailureLimit:
    group: str  # what is counted ("login-pair", "apel-nip"…)
    key: str  # under which key: an account and an address, a NIP, an address
    rate: str  # "count/period", django-ratelimit's notation ("5/15m")
    refusal: object = None  # the one sentence a refused person reads (``%(minutes)s``)
    trail: object = None  # what the audit trail says when the limit is reached

    def usage(self, request, *, increment=False):
        """django-ratelimit's usage of this key; ``None`` when limiting is off (``RATELIMIT_ENABLE=0``)."""
        return get_usage(
            request, group=self.group, key=lambda _group, _request: self.key, rate=self.rate, increment=increment
        )


def refusing(request, limits):
    """The first of ``limits`` already reached and the seconds left in its window, or ``None``."""
    for limit in limits:
        usage = limit.usage(request)
        if usage is not None and usage["count"] >= usage["limit"]:
            return limit, max(0, usage["time_left"])
    return None


def count_failure(request, limits):
    """Count one failure under each of ``limits``; returns ``(limit, count)`` for each
    limit this failure has just reached — the moment worth a line in the trail."""
    reached = []
    for limit in limits:
        usage = limit.usage(request, increment=True)
        if usage is not None and usage["count"] == usage["limit"]:
            reached.append((limit, usage["count"]))
    return reached


def minutes(seconds):
    """Whole minutes to wait, at least one: what a refusal tells the person."""
    return max(1, -(-int(seconds) // 60))
