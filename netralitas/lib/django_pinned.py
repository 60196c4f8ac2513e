"""One row and its related rows, read with SQL built once per process — a shortcut
around Django's ORM, pinned to its internals.

``OneRow(Invitation, "token", ["ceremony__agency", …]).get(token)`` answers what
``Invitation.objects.select_related(…).filter(token=token).first()`` answers. The ORM
compiles such a query again on every call (and the database plans it again); for the
signing request, which does nothing else as costly, that compilation was the largest
piece of its CPU (gain in docs/performance.md, "Shortcuts around libraries").

Pinned to **Django 5.2** (``VERIFIED_WITH``): it builds the SELECT from the models'
``_meta``, and turns each column into Python as the ORM does with ``Field.get_col()``,
the backend's ``DatabaseOperations.get_db_converters()``,
``Expression.get_db_converters()`` and ``Model.from_db()``.
``tests/lib/test_django_pinned.py`` fails by name when any of them changes, and checks
that both paths give the same objects. Any exception here, or
``SHORTCUTS_AROUND_LIBRARIES=0``, takes the plain ORM path instead; the first failure
is logged once per process, and a failure that is not the database's turns the
shortcut off for the rest of the process.
"""

import logging

from django.conf import settings
from django.db import DatabaseError, connections, router

logger = logging.getLogger(__name__)

VERIFIED_WITH = {"django": "5.2"}


class OneRow:
    """``model``'s row whose ``field`` equals a value, with the rows of ``related`` (paths
    of foreign keys, as for ``select_related``; a nullable key is an outer join)."""

    def __init__(self, model, field, related):
        self.model, self.field, self.related = model, field, list(related)
        self._built = {}  # per database alias: (sql, plan), or None once it failed
        self._failed_once = False

    def plain(self, value):
        """The ORM's own answer: the definition of what :meth:`get` returns."""
        return self.model.objects.select_related(*self.related).order_by().filter(**{self.field: value}).first()

    def get(self, value):
        alias = router.db_for_read(self.model)
        if not settings.SHORTCUTS_AROUND_LIBRARIES or self._built.get(alias, True) is None:
            return self.plain(value)
        try:
            if alias not in self._built:
                self._built[alias] = self._build(connections[alias])
            return self._read(connections[alias], value, *self._built[alias])
        except Exception as error:
            if not isinstance(error, DatabaseError):
                self._built[alias] = None  # Django changed under us: plain ORM from now on
            if not self._failed_once:
                self._failed_once = True
                logger.warning(
                    "%s lookup takes the plain ORM path (%s: %s); see netralitas/lib/django_pinned.py",
                    self.model.__name__,
                    type(error).__name__,
                    error,
                )
            return self.plain(value)

    def _joins(self):
        """``(path, model, foreign key, parent path)`` for every related path, parents first."""
        joins, seen = [], {""}
        for path in self.related:
            parts = path.split("__")
            for depth in range(1, len(parts) + 1):
                here = "__".join(parts[:depth])
                if here in seen:
                    continue
                parent = "__".join(parts[: depth - 1])
                parent_model = self.model if not parent else next(j[1] for j in joins if j[0] == parent)
                key = parent_model._meta.get_field(parts[depth - 1])
                joins.append((here, key.related_model, key, parent))
                seen.add(here)
        return joins

    def _build(self, connection):
        quote = connection.ops.quote_name
        aliases = {"": "t0"}
        columns, plan = [], []
        joins = self._joins()
        sql_joins, outer = [], set()
        for number, (path, model, key, parent) in enumerate(joins, start=1):
            aliases[path] = f"t{number}"
            if key.null or parent in outer:
                outer.add(path)
            kind = "LEFT OUTER JOIN" if path in outer else "INNER JOIN"
            target = quote(model._meta.pk.column)
            sql_joins.append(
                f"{kind} {quote(model._meta.db_table)} {aliases[path]}"
                f" ON {aliases[parent]}.{quote(key.column)} = {aliases[path]}.{target}"
            )
        for path, model in [("", self.model), *[(j[0], j[1]) for j in joins]]:
            fields = []
            for field in model._meta.concrete_fields:
                columns.append(f"{aliases[path]}.{quote(field.column)}")
                col = field.get_col(aliases[path])
                converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                fields.append((field.attname, converters, col))
            plan.append((path, model, [attname for attname, _c, _col in fields], fields))
        where = quote(self.model._meta.get_field(self.field).column)
        sql = (
            f"SELECT {', '.join(columns)} FROM {quote(self.model._meta.db_table)} t0 {' '.join(sql_joins)}"
            f" WHERE t0.{where} = %s"
        )
        links = [(path.rsplit("__", 1)[-1], path, parent) for path, _model, _key, parent in joins]
        return sql, plan, links

    def _read(self, connection, value, sql, plan, links):
        with connection.cursor() as cursor:
            cursor.execute(sql, [value])
            row = cursor.fetchone()
        if row is None:
            return None
        objects, start = {}, 0
        for path, model, attnames, fields in plan:
            values = list(row[start : start + len(fields)])
            start += len(fields)
            if values[0] is None:  # an outer join that found nothing (a pk is never NULL)
                objects[path] = None
                continue
            for index, (_attname, converters, col) in enumerate(fields):
                for convert in converters:
                    values[index] = convert(values[index], col, connection)
            objects[path] = model.from_db(connection.alias, attnames, values)
        for name, path, parent in links:
            if objects[parent] is not None:
                setattr(objects[parent], name, objects[path])
        return objects[""]
