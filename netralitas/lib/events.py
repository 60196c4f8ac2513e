"""Things that happened, told to whoever listens — without the apps that tell them
importing the app that listens (the webhooks sit at the top of the stack).

An app that makes something happen asks :func:`wanted` first (cheap: the listener
keeps who subscribes to what in memory) and, only then, calls :func:`emit` inside
the transaction that makes it happen, so the listener's record (the webhooks'
outbox row) commits or rolls back with it::

    if events.wanted(events.SIGNATURE_CREATED, agency_id):
        with transaction.atomic():
            ...  # the change itself
            events.emit(events.SIGNATURE_CREATED, agency_id, signature=pk, ...)

``data`` holds ids and status facts only, never a name, NIP, phone or address.

Where the change is one statement of its own (signing: ``netralitas.lib.tasks_db_pinned``),
:func:`outbox_row` hands over the listener's unsaved row instead, for that statement to
insert — with the new object's id put into the row by the statement — and
:func:`stored` is called once it is saved.
"""

SIGNATURE_CREATED = "signature.created"
DOCUMENT_SEALED = "document.sealed"
CEREMONY_OPENED = "ceremony.opened"
CEREMONY_CLOSED = "ceremony.closed"
JOB_FINISHED = "job.finished"
TYPES = (SIGNATURE_CREATED, DOCUMENT_SEALED, CEREMONY_OPENED, CEREMONY_CLOSED, JOB_FINISHED)

_listeners = []


def listen(listener):
    """Register ``listener``: an object with ``wants(event_type, agency_id) -> bool``
    and ``record(event_type, agency_id, data)`` (called inside the caller's
    transaction). An app does this in its ``AppConfig.ready``."""
    if listener not in _listeners:
        _listeners.append(listener)


def wanted(event_type, agency_id):
    """Whether anyone listens for ``event_type`` of ``agency_id`` (no listener: False)."""
    return any(listener.wants(event_type, agency_id) for listener in _listeners)


def outbox_row(event_type, agency_id, id_key, **data):
    """``(unsaved row, (json field, key))`` that records the event once saved with the new
    object's id under ``id_key`` in that field — or None when nobody wants the event."""
    for listener in _listeners:
        if listener.wants(event_type, agency_id):
            return listener.row(event_type, agency_id, data), (listener.data_field, id_key)
    return None


def stored(row):
    """The row from :func:`outbox_row` was saved (its transaction may still be open)."""
    for listener in _listeners:
        listener.stored(row)


def emit(event_type, agency_id, **data):
    """Tell the listeners that want it; call inside the transaction of the change."""
    for listener in _listeners:
        if listener.wants(event_type, agency_id):
            listener.record(event_type, agency_id, data)
