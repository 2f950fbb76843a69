"""The mapping language's answers: field expressions, result codes at one or two levels, flattened lists."""

from __future__ import annotations

import re
from typing import Annotated, Literal

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import AfterValidator, Field, model_validator

from bff.cards.errors import ErrorCode
from bff.merchants.base import Model


def _compiles(value: str) -> str:
    """A JMESPath expression ('' is the whole answer); refused with the parser's word when it isn't one."""
    if value:
        try:
            jmespath.compile(value)
        except JMESPathError as exc:
            raise ValueError(f"{value!r} is not a JMESPath expression ({exc.__class__.__name__})") from None
    return value


Expr = Annotated[
    str,
    AfterValidator(_compiles),
    Field(description="JMESPath expression into the answer (a dotted path such as a.b is one); '' is the whole"),
]


class ResultLevel(Model):
    """One level of an answer's result: what means success, and where the error code is when it isn't."""

    code: Expr | None = Field(None, description="Where the result code is")
    ok: list[str] = Field(default_factory=list, description="With code: the codes that mean success")
    flag: Expr | None = Field(None, description="Where a boolean sits that is true on success")
    http_ok: list[int] = Field(default_factory=list, description="HTTP statuses that mean success")
    error: Expr | None = Field(None, description="Where the error code is when not a success (default: code)")
    errors: dict[str, ErrorCode] = Field(default_factory=dict, description="Their code: our error code")
    pending: list[str] = Field(
        default_factory=list, description="Codes (where the error code is) that mean in progress: a pay is PROCESSING"
    )

    @model_validator(mode="after")
    def _one_way_to_succeed(self) -> ResultLevel:
        ways = [name for name, on in (("code", bool(self.ok)), ("flag", self.flag), ("http_ok", self.http_ok)) if on]
        if self.code is not None and not self.ok:
            raise ValueError("code needs ok: the codes that mean success")
        if self.ok and self.code is None:
            raise ValueError("ok needs code: where the result code is")
        if len(ways) != 1:
            raise ValueError("say how success reads in exactly one way: code with ok, flag, or http_ok")
        if self.errors and self.error is None and self.code is None:
            raise ValueError("errors need error: where the error code is")
        if self.pending and self.error is None and self.code is None:
            raise ValueError("pending needs error: where the in-progress code is")
        both = sorted(set(self.pending) & (set(self.ok) | set(self.errors)))
        if both:
            raise ValueError(f"pending: {both[0]!r} is also in ok or errors; a code means one thing")
        return self


class Result(ResultLevel):
    """The answer's result; with business, a second level read only once the first says the call went through."""

    business: ResultLevel | None = Field(
        None, description="The business result (e.g. result_code / err_code), after the communication one"
    )


class IndexedList(Model):
    """A list written as flat numbered fields (card_no_0, card_no_1, … with a count), the WeChat Pay v2 way."""

    count: Expr = Field(..., description="Where the number of items is")
    suffix: str = Field("_{i}", description="How an item's number is written after a field's name; {i} is it")
    first: int = Field(0, ge=0, le=1, description="The first item's number")

    @model_validator(mode="after")
    def _suffix(self) -> IndexedList:
        if self.suffix.count("{i}") != 1:
            raise ValueError("suffix must hold {i} once, e.g. _{i}")
        return self

    def pattern(self) -> re.Pattern[str]:
        """A field name's pattern: the item's field name, then the suffix with its number."""
        before, after = self.suffix.split("{i}")
        return re.compile(rf"^(?P<name>.+?){re.escape(before)}(?P<i>\d+){re.escape(after)}$")


class RefundFields(Model):
    """Where a refund answer says how the refund stands (WeChat Pay v3: SUCCESS, PROCESSING, ABNORMAL, CLOSED)."""

    status: Expr = Field(..., description="Where the refund's own status is in the refund answer")
    status_map: dict[str, Literal["SUCCEEDED", "PROCESSING", "FAILED"]] = Field(
        ..., description="Their refund status: ours; an unmapped status is unknown (the refund stays unconfirmed)"
    )
    amount: Expr | None = Field(None, description="Where the amount refunded by this refund is")

    @model_validator(mode="after")
    def _confirmable(self) -> RefundFields:
        if "SUCCEEDED" not in self.status_map.values():
            raise ValueError("status_map: no status means SUCCEEDED, so no refund could ever be confirmed")
        return self
