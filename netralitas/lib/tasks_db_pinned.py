"""A new row and the task that works on it, stored together in one PostgreSQL statement
— a shortcut around django-tasks-db, pinned to its insides.

``InsertAndEnqueue(Signature, render_signature_pdf).save(signature)`` does what
``with transaction.atomic(): signature.save(force_insert=True);
render_signature_pdf.enqueue(signature.pk)`` does — both rows or neither — as one
``INSERT … WITH`` statement: one round trip, atomic by itself, instead of BEGIN, two
ORM saves and COMMIT (gain in docs/performance.md, "Shortcuts around libraries"). Rows
are prepared by the fields themselves and the signals ``save()`` and ``enqueue()`` send
are sent, so receivers see the same.

A *companion* row may ride along (``save(instance, companion=row, link=(field, key))``):
an unsaved instance of another model whose JSON ``field`` gets the new row's id under
``key`` — the webhooks' outbox row of a signature (``netralitas.lib.events``), so that a
signature announced to an agency's webhooks costs one statement too. Its fields are
prepared as ``save()`` prepares them; no signal is sent for it.

Pinned to **django-tasks 0.12 and django-tasks-db 0.13** (``VERIFIED_WITH``): it writes
the task row as ``DatabaseBackend._task_to_db_task`` builds it and takes its id from the
private ``DatabaseBackend._get_id``. ``tests/lib/test_tasks_db_pinned.py`` fails by name
when those change and checks the statement writes what the plain path writes. It applies
only on PostgreSQL with the database backend; anywhere else, with
``SHORTCUTS_AROUND_LIBRARIES=0``, or on any exception but the database's refusal of the
row itself (a unique violation, which the plain path would meet the same way), the
plain path runs; the first failure is logged once per process.
"""

import logging
from contextlib import nullcontext

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, router, transaction
from django.db.models import NOT_PROVIDED
from django.db.models.signals import post_save, pre_save

logger = logging.getLogger(__name__)

VERIFIED_WITH = {"django-tasks": "0.12", "django-tasks-db": "0.13"}


class InsertAndEnqueue:
    """Save a new ``model`` instance and enqueue ``task(instance.pk)`` with it."""

    def __init__(self, model, task):
        self.model, self.task = model, task
        self._built = {}  # per (backend, alias): the statement, or None where it does not apply
        self._failed_once = False

    def plain(self, instance, companion=None, link=None):
        """Django's and django-tasks' public path: the definition of what :meth:`save` does."""
        with transaction.atomic(using=router.db_for_write(self.model)):
            instance.save(force_insert=True)
            self.task.enqueue(instance.pk)
            if companion is not None:
                field, name = link
                setattr(companion, field, {**getattr(companion, field), name: instance.pk})
                companion.save(force_insert=True)

    def save(self, instance, companion=None, link=None):
        backend = self.task.get_backend()
        companion_of = None if companion is None else (type(companion), *link)
        key = (id(backend), router.db_for_write(self.model), companion_of)
        try:
            if not settings.SHORTCUTS_AROUND_LIBRARIES:
                statement = None
            elif key in self._built:
                statement = self._built[key]
            else:
                statement = self._built[key] = _Statement.build(self.model, self.task, backend, companion_of)
            if statement is None:
                return self.plain(instance, companion, link)
            return statement.execute(instance, companion)
        except IntegrityError:
            raise  # the row itself was refused: the plain path would be refused the same way
        except Exception as error:
            if not instance._state.adding:
                raise  # stored already: what failed came after (a receiver), as it would on the plain path
            if not isinstance(error, DatabaseError):
                self._built[key] = None  # the library changed under us: plain path from now on
            if not self._failed_once:
                self._failed_once = True
                logger.warning(
                    "%s and its task are stored by the plain path (%s: %s); see netralitas/lib/tasks_db_pinned.py",
                    self.model.__name__,
                    type(error).__name__,
                    error,
                )
            return self.plain(instance, companion, link)


class _Statement:
    """The SQL, built once per backend and database."""

    @classmethod
    def build(cls, model, task, backend, companion_of=None):
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult

        alias = router.db_for_write(model)
        if not isinstance(backend, DatabaseBackend) or router.db_for_write(DBTaskResult) != alias:
            return None
        if connections[alias].vendor != "postgresql":
            return None
        if companion_of is not None and router.db_for_write(companion_of[0]) != alias:
            return None
        return cls(model, task, backend, alias, companion_of)

    def __init__(self, model, task, backend, alias, companion_of=None):
        from django_tasks_db.models import DBTaskResult

        self.model, self.task, self.backend, self.alias = model, task, backend, alias
        self.task_model = DBTaskResult
        backend.validate_task(task)
        connection = connections[alias]
        quote = connection.ops.quote_name
        self.fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        self.task_fields = list(DBTaskResult._meta.concrete_fields)
        self.companion_fields = []
        if companion_of is not None:
            companion_model, link_field, self.link_name = companion_of
            self.companion_fields = [f for f in companion_model._meta.concrete_fields if not f.primary_key]
            self.link_index = [f.name for f in self.companion_fields].index(link_field)
            if self.companion_fields[self.link_index].get_internal_type() != "JSONField":
                raise NotImplementedError(f"{link_field} is no JSONField")
        for field in self.fields + self.task_fields + self.companion_fields:
            plain = not hasattr(field, "get_placeholder") or field.get_placeholder(None, None, connection) == "%s"
            if not plain or field.generated or field.db_default is not NOT_PROVIDED:
                raise NotImplementedError(f"{field} needs more than a plain parameter")
        pk = quote(model._meta.pk.column)
        names = lambda fields: ", ".join(quote(field.column) for field in fields)  # noqa: E731
        # The task's arguments are the new row's id: (pk,), no keywords.
        self.args_index = self.task_fields.index(DBTaskResult._meta.get_field("args_kwargs"))
        task_values = ["%s"] * len(self.task_fields)
        task_values[self.args_index] = (
            f"jsonb_build_object('args', jsonb_build_array(\"new\".{pk}), 'kwargs', '{{}}'::jsonb)"
        )
        also, returning = "", f'(SELECT {pk} FROM "new")'
        if companion_of is not None:
            # The companion's JSON gets the new row's id under link_name, in the same statement.
            values = ["%s"] * len(self.companion_fields)
            values[self.link_index] = f'(%s::jsonb || jsonb_build_object(%s::text, "new".{pk}))'
            also = (
                f', "also" AS (INSERT INTO {quote(companion_model._meta.db_table)} ({names(self.companion_fields)})'
                f' SELECT {", ".join(values)} FROM "new"'
                f" RETURNING {quote(companion_model._meta.pk.column)})"
            )
            returning += f', (SELECT {quote(companion_model._meta.pk.column)} FROM "also")'
        self.sql = (
            f'WITH "new" AS (INSERT INTO {quote(model._meta.db_table)} ({names(self.fields)})'
            f" VALUES ({', '.join(['%s'] * len(self.fields))}) RETURNING {pk}){also}"
            f" INSERT INTO {quote(DBTaskResult._meta.db_table)} ({names(self.task_fields)})"
            f' SELECT {", ".join(task_values)} FROM "new"'
            f" RETURNING {returning}"
        )

    def execute(self, instance, companion=None):
        from django_tasks.signals import task_enqueued

        connection = connections[self.alias]
        # As DatabaseBackend._task_to_db_task builds it, with the arguments filled in below.
        task_row = self.task_model(
            id=self.backend._get_id(),
            args_kwargs={"args": [None], "kwargs": {}},
            priority=self.task.priority,
            task_path=self.task.module_path,
            queue_name=self.task.queue_name,
            run_after=self.task.run_after,
            backend_name=self.backend.alias,
        )
        rows = (instance, task_row)
        for row in rows:  # as Model.save() does (django-tasks-db's receiver sets run_after)
            pre_save.send(sender=type(row), instance=row, raw=False, using=self.alias, update_fields=None)
        prepared = lambda row, fields: [  # noqa: E731
            field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields
        ]
        params, task_params = prepared(instance, self.fields), prepared(task_row, self.task_fields)
        del task_params[self.args_index]
        if companion is not None:
            companion_params = prepared(companion, self.companion_fields)
            companion_params[self.link_index : self.link_index + 1] = [
                companion_params[self.link_index],
                self.link_name,
            ]
            params = params + companion_params
        # In autocommit the statement is its own transaction; inside a caller's
        # transaction a savepoint lets a unique violation leave that transaction usable.
        with transaction.atomic(using=self.alias) if connection.in_atomic_block else nullcontext():
            with connection.cursor() as cursor:
                cursor.execute(self.sql, params + task_params)
                instance.pk, *companion_pk = cursor.fetchone()
        instance._state.adding, instance._state.db = False, self.alias
        task_row.args_kwargs = {"args": [instance.pk], "kwargs": {}}
        if companion is not None:
            field = self.companion_fields[self.link_index].attname
            setattr(companion, field, {**getattr(companion, field), self.link_name: instance.pk})
            companion.pk = companion_pk[0]
            companion._state.adding, companion._state.db = False, self.alias
        task_row._state.adding, task_row._state.db = False, self.alias
        for row in rows:
            post_save.send(
                sender=type(row), instance=row, created=True, raw=False, using=self.alias, update_fields=None
            )
        task_enqueued.send(type(self.backend), task_result=task_row.task_result)
