"""Reading a large query with flat memory, behind a transaction pooler too.

Django's ``.iterator()`` keeps memory flat with a server-side cursor that lives
across fetches. Behind PgBouncer in transaction mode
(``DATABASE_TRANSACTION_POOLING=1``) the server connection is someone else's after
each transaction, so those cursors are off (``DISABLE_SERVER_SIDE_CURSORS``) and
``.iterator()`` would fetch every row at once. There ``in_chunks`` reads a chunk
per query instead, each query complete in itself; elsewhere it is ``.iterator()``,
which reads the same rows about twice as fast (docs/performance.md, "Reading
behind a transaction pooler").
"""

from django.db import connections

SIZE = 2000


def in_chunks(queryset, size=SIZE, *, by_pk=False):
    """The rows of ``queryset`` (instances, ``values()`` or ``values_list()``), at
    most ``size`` in memory at a time — in primary-key order with ``by_pk=True``
    (a loop whose order does not matter), otherwise in the queryset's own order
    (end it in the primary key for a total one).

    Behind a transaction pooler, ``by_pk`` pages by key (the next ``size`` keys
    after the last one, then the rows of that key range): nothing is held between
    chunks, at any size. An ordered read takes its keys first, in that order, in
    one narrow query (a key per row is held), then its rows by key, ``size`` at a
    time. A row is read as it is when its chunk is read; one deleted meanwhile is
    left out, one added after the keys were read is not in it."""
    if by_pk:
        queryset = queryset.order_by("pk")
    if not connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return queryset.iterator(chunk_size=size)
    return _by_key_range(queryset, size) if by_pk else _by_keys(queryset, size)


def _by_keys(queryset, size):
    keys = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(keys), size):
        yield from queryset.filter(pk__in=keys[start : start + size])


def _by_key_range(queryset, size):
    last = None
    while True:
        rest = queryset if last is None else queryset.filter(pk__gt=last)
        chunk = list(rest.values_list("pk", flat=True)[:size])
        if not chunk:
            return
        yield from rest.filter(pk__lte=chunk[-1])
        if len(chunk) < size:
            return
        last = chunk[-1]
