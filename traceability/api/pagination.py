"""Pagination for /api/v1/: numbered pages by default, a cursor for the event log.

Page size comes from ``?page_size=`` (at most ``MAX_PAGE_SIZE``). The event log only grows and is
read in chain order, so it pages with an opaque cursor over ``seq``: stable while events are
appended and constant-time however deep the page.
"""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination

MAX_PAGE_SIZE = 500


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class EventCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-seq"
