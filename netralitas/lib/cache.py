"""The shared cache (Redis) that is no single point of failure.

The cache holds only the limits' counters (django-ratelimit), so losing it must not
take a page down: while Redis does not answer, :class:`FallbackRedisCache` answers
from this process's memory — each process then counts on its own, so for the length of
the outage N web processes allow up to N times the attempts — logs the outage once
per process, without a traceback, and tries Redis again every ``RETRY_SECONDS``; the
first answer puts the shared counters back in use (and says so in the log). The
monitoring endpoint (``netralitas.monitoring``) asks Redis itself: :meth:`ping`.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5
# A Redis that hangs (not one that refuses) must not hold a request for long.
SOCKET_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def cache_settings(redis_url):
    """``CACHES`` for ``REDIS_URL``: Redis with the per-process fallback; without a URL
    (one process, ``make run``) the per-process memory cache."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {"default": {"BACKEND": "netralitas.lib.cache.FallbackRedisCache", "LOCATION": redis_url}}


class _Outage:
    """Whether one Redis (one LOCATION) answers, shared by the threads of the process:
    Django gives each thread its own cache object."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0

    def usable(self):
        return not self.down or time.monotonic() >= self.retry_at

    def failed(self, location, error):
        with self.lock:
            self.retry_at = time.monotonic() + RETRY_SECONDS
            if self.down:
                return
            self.down = True
        logger.warning(
            "Redis cache %s unreachable (%s): rate limits count in this process's memory until it answers again",
            location,
            type(error).__name__,
        )

    def answered(self, location):
        if not self.down:
            return
        with self.lock:
            if not self.down:
                return
            self.down = False
        logger.warning("Redis cache %s answers again: rate limits are shared again", location)


_outages = {}
_outages_lock = threading.Lock()


class FallbackRedisCache(RedisCache):
    """Django's Redis cache that keeps answering, from this process's memory, while
    Redis does not (module docstring)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**SOCKET_TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        # Credentials never reach the log: only the host part of the URL.
        self._location_shown = self._location.rsplit("@", 1)[-1]
        with _outages_lock:
            self._outage = _outages.setdefault(self._location, _Outage())
        # Room for every counter of an outage: a full cache would forget counters.
        self._local = LocMemCache(
            f"fallback:{self._location}", {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 100_000}}
        )

    def _call(self, name, *args, **kwargs):
        if self._outage.usable():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._outage.failed(self._location_shown, error)
            else:
                self._outage.answered(self._location_shown)
                return result
        return getattr(self._local, name)(*args, **kwargs)

    def ping(self):
        """Ask Redis itself, whatever the state: ``True`` if it answers."""
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as error:
            self._outage.failed(self._location_shown, error)
            return False
        self._outage.answered(self._location_shown)
        return True

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self._local.clear()
        return self._call("clear")
