"""The mapping language's paging mechanisms for history: each names only the fields it reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from bff.merchants.base import Model
from bff.merchants.dialect_answers import Expr


class TokenPaging(Model):
    """The answer carries the next page's token; it goes back as {cursor}; none means the last page."""

    mechanism: Literal["token"]
    next: Expr = Field(..., description="Where the next page's token is")


class PageTotalPaging(Model):
    """Pages by number ({page}) with the total number of rows in the answer."""

    mechanism: Literal["page_total"]
    total: Expr = Field(..., description="Where the total number of rows is (an integer)")
    first: int = Field(1, ge=0, le=1, description="The first page's number")


class PageHasMorePaging(Model):
    """Pages by number ({page}) with a flag saying whether more pages follow."""

    mechanism: Literal["page_has_more"]
    has_more: Expr = Field(..., description="Where the has-more flag is (a boolean)")
    first: int = Field(1, ge=0, le=1, description="The first page's number")


class OffsetTotalPaging(Model):
    """Pages by row offset ({offset}, from 0) with the total number of rows in the answer."""

    mechanism: Literal["offset_total"]
    total: Expr = Field(..., description="Where the total number of rows is (an integer)")


class ShortPagePaging(Model):
    """Pages by number or offset; a page shorter than {limit} is the last."""

    mechanism: Literal["short_page"]
    by: Literal["page", "offset"] = Field("page", description="What the request counts: {page} or {offset}")
    first: int = Field(1, ge=0, le=1, description="The first page's number (by page)")


Paging = Annotated[
    TokenPaging | PageTotalPaging | PageHasMorePaging | OffsetTotalPaging | ShortPagePaging,
    Field(discriminator="mechanism"),
]


def counter_of(paging: Any) -> str:
    """The placeholder a mechanism's request moves along the history with."""
    if isinstance(paging, TokenPaging):
        return "cursor"
    if isinstance(paging, OffsetTotalPaging) or (isinstance(paging, ShortPagePaging) and paging.by == "offset"):
        return "offset"
    return "page"


def paging_problem(paging: Any, request_text: str) -> str | None:
    """Why a transactions operation's request can't work with its paging mechanism, if it can't."""
    if paging is None:
        return "transactions needs paging: {mechanism: token | page_total | page_has_more | offset_total | short_page}"
    counter = counter_of(paging)
    if f"{{{counter}}}" not in request_text:
        return f"paging {paging.mechanism} sends {{{counter}}}: put it in the transactions path or params"
    if isinstance(paging, ShortPagePaging) and "{limit}" not in request_text:
        return "paging short_page needs {limit} in the request: a page shorter than it is the last"
    return None
