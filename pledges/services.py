"""The signing workflow: one function, one transaction.

The view checks the request; :func:`signature_create` checks the ceremony's
signing window, freezes what the signer saw, stores the signature and queues its
PDF. Exactly one signature per invitation is decided by the database's unique
constraint, so two phones submitting at once both end on the same confirmation.

On PostgreSQL with the database task backend (production), the signature and its
PDF task are one ``INSERT … WITH`` statement (:class:`SignAndQueue`): one round
trip, atomic by itself, instead of BEGIN, two ORM saves and COMMIT — at an apel's
burst that was a fifth of a signing request's CPU. Elsewhere (SQLite, other task
backends) the ORM saves both in one transaction.
"""

import logging
from contextlib import nullcontext

from django.db import IntegrityError, connections, router, transaction
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ceremonies.models import Ceremony
from netralitas.lib.text import strip_hidden
from pledges.models import Signature

logger = logging.getLogger(__name__)

USER_AGENT_LENGTH = 500


class SigningClosed(Exception):
    """The ceremony does not accept signatures now; ``state`` says why."""

    def __init__(self, state):
        super().__init__(state)
        self.state = state


def signature_create(*, invitation, image_png, method, ip_address=None, user_agent="", now=None):
    """Sign ``invitation`` with the cleaned PNG ``image_png``.

    Returns ``(signature, created)``: an invitation that is already signed returns
    its existing signature with ``created=False`` — a double submit is not an
    error. Raises :class:`SigningClosed` outside the signing window (also for an
    invitation already signed: the caller shows that signature). No SELECT before the
    INSERT: the unique constraint on the invitation decides, in one transaction.
    """
    ceremony = invitation.ceremony
    now = now or timezone.now()
    state = ceremony.signing_state(now)
    if state != Ceremony.SigningState.OPEN:
        raise SigningClosed(state)

    for _attempt in range(3):
        signature = Signature.for_invitation(
            invitation,
            image_png=image_png,
            method=method,
            signed_at=now,
            ip_address=ip_address,
            # The browser's own words, but nothing hidden: a NUL breaks PostgreSQL and a
            # direction override would make the trail print something else.
            user_agent=strip_hidden(user_agent or "")[:USER_AGENT_LENGTH],
        )
        try:
            _store(signature)
            return signature, True
        except IntegrityError:
            # Either this invitation was signed a moment ago (the other phone won),
            # or — once in 2^50 — the verification code collided: then try again.
            existing = Signature.objects.filter(invitation=invitation).first()
            if existing is not None:
                return existing, False
    raise IntegrityError(_("Tanda tangan tidak dapat disimpan; coba lagi."))


def _store(signature):
    """INSERT ``signature`` and queue its PDF, both or neither: with the database task
    backend the queued job commits or rolls back together with the signature."""
    from pledges.tasks import render_signature_pdf

    one_statement = SignAndQueue.for_backend(render_signature_pdf.get_backend())
    if one_statement is not None:
        one_statement.execute(signature)
        return
    with transaction.atomic():
        signature.save(force_insert=True)
        render_signature_pdf.enqueue(signature.pk)


class SignAndQueue:
    """One PostgreSQL statement that inserts a signature and the database task
    backend's row for its PDF task, exactly as ``Model.save()`` and the backend's
    ``enqueue`` would write them (fields prepared by the fields themselves, the
    task row built as django-tasks-db builds it); the SQL is built once per process.
    ``for_backend`` answers ``None`` wherever this does not apply."""

    _built = {}

    def __init__(self, backend, alias):
        from django_tasks_db.models import DBTaskResult

        from pledges.tasks import render_signature_pdf

        self.backend, self.alias, self.task = backend, alias, render_signature_pdf
        backend.validate_task(render_signature_pdf)
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.signature_fields = [field for field in Signature._meta.concrete_fields if not field.primary_key]
        self.task_fields = list(DBTaskResult._meta.concrete_fields)
        for field in self.signature_fields + self.task_fields:
            plain = not hasattr(field, "get_placeholder") or field.get_placeholder(None, None, connection) == "%s"
            if not plain or field.generated or field.db_default is not NOT_PROVIDED:
                raise NotImplementedError(f"{field} needs more than a plain parameter")
        pk = quote(Signature._meta.pk.column)
        names = lambda fields: ", ".join(quote(field.column) for field in fields)  # noqa: E731
        # The task's arguments are the new signature's id: (signature_id,), no keywords.
        self.args_index = self.task_fields.index(DBTaskResult._meta.get_field("args_kwargs"))
        task_values = ["%s"] * len(self.task_fields)
        task_values[self.args_index] = (
            f"jsonb_build_object('args', jsonb_build_array(\"signature\".{pk}), 'kwargs', '{{}}'::jsonb)"
        )
        self.sql = (
            f'WITH "signature" AS (INSERT INTO {quote(Signature._meta.db_table)} ({names(self.signature_fields)})'
            f" VALUES ({', '.join(['%s'] * len(self.signature_fields))}) RETURNING {pk})"
            f" INSERT INTO {quote(DBTaskResult._meta.db_table)} ({names(self.task_fields)})"
            f' SELECT {", ".join(task_values)} FROM "signature"'
            f' RETURNING (SELECT {pk} FROM "signature")'
        )
        self.task_result_model = DBTaskResult

    @classmethod
    def for_backend(cls, backend):
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult

        if not isinstance(backend, DatabaseBackend):
            return None
        alias = router.db_for_write(Signature)
        if router.db_for_write(DBTaskResult) != alias or connections[alias].vendor != "postgresql":
            return None
        key = (id(backend), alias)
        if key not in cls._built:
            try:
                cls._built[key] = cls(backend, alias)
            except NotImplementedError:
                logger.warning("Signing stores with the ORM: a field needs more than the one statement gives it")
                cls._built[key] = None
        return cls._built[key]

    def execute(self, signature):
        from django_tasks.signals import task_enqueued

        connection = connections[self.alias]
        task_row = self.task_result_model(
            id=self.backend._get_id(),
            args_kwargs={"args": [None], "kwargs": {}},
            priority=self.task.priority,
            task_path=self.task.module_path,
            queue_name=self.task.queue_name,
            run_after=self.task.run_after,
            backend_name=self.backend.alias,
        )
        rows = (signature, task_row)
        for row in rows:  # as Model.save() does (django-tasks-db's receiver sets run_after)
            pre_save.send(sender=type(row), instance=row, raw=False, using=self.alias, update_fields=None)
        prepared = lambda row, fields: [  # noqa: E731
            field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields
        ]
        params, task_params = prepared(signature, self.signature_fields), prepared(task_row, self.task_fields)
        del task_params[self.args_index]
        # In autocommit (a signing request) the statement is its own transaction; inside
        # a caller's transaction a savepoint lets a unique violation leave it usable.
        with transaction.atomic(using=self.alias) if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params + task_params)
                (signature.pk,) = cursor.fetchone()
        signature._state.adding, signature._state.db = False, self.alias
        task_row.args_kwargs = {"args": [signature.pk], "kwargs": {}}
        task_row._state.adding, task_row._state.db = False, self.alias
        for row in rows:
            post_save.send(
                sender=type(row), instance=row, created=True, raw=False, using=self.alias, update_fields=None
            )
        task_enqueued.send(type(self.backend), task_result=task_row.task_result)
