"""Cursor pagination on an indexed key: page N costs what page 1 costs (an index seek
to the cursor's position, ``LIMIT``), and nothing is counted. Lists are in id order,
so new rows land on the last page: a client that keeps its last ``next`` cursor
picks up what was added since.

A cursor is opaque to clients; one that does not decode, or names a position that
is no id, is a 404 with a sentence — never a database error."""

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from api.errors import refuse

MAX_ID_DIGITS = 18


class IdCursorPagination(CursorPagination):
    ordering = "id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    invalid_cursor_message = _("Kursor halaman tidak sah; mulai lagi dari halaman pertama.")
    cursor_query_description = _("Kursor halaman: salin dari next atau previous jawaban sebelumnya.")
    page_size_query_description = _("Jumlah baris per halaman (bawaan 50, paling banyak 500).")

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None and not self.valid_position(cursor.position):
            raise refuse(NotFound, self.invalid_cursor_message)
        return cursor

    def valid_position(self, position):
        return position.isascii() and position.isdigit() and len(position) <= MAX_ID_DIGITS

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            raise refuse(NotFound, self.invalid_cursor_message) from exc


class RecapCursorPagination(IdCursorPagination):
    """Recap files, newest first (their id is a UUID: the time orders them)."""

    ordering = ("-created_at", "-id")

    def valid_position(self, position):
        try:
            return parse_datetime(position) is not None
        except ValueError:
            return False
