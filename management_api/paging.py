"""Lists page as Logto's do: `page` (from 1) and `page_size` in the query, the total in the `Total-Number`
header."""
from ninja import Query, Schema
from pydantic import Field

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Keeps the offset within the databases' 64-bit integers; no list is that long.
MAX_PAGE = 10**12


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)


def paged(queryset, params: PageParams, response):
    """The requested page of `queryset` (ordered), with `Total-Number` set on the response."""
    response["Total-Number"] = str(queryset.count())
    start = (params.page - 1) * params.page_size
    return list(queryset[start:start + params.page_size])


__all__ = ["PageParams", "Query", "paged"]
