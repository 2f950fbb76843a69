"""One operation's request as its dialect writes it: path, templates filled, gateway field, JSON field, envelope."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from bff.adapters.dialect_codec import DialectCodec
from bff.merchants.dialect import Dialect, Operation
from bff.merchants.dialect_requests import PLACEHOLDER
from bff.merchants.dialect_templates import TemplateProblem, is_template, render


class RequestWriter:
    """Fills an operation's templates: {placeholder}s with the dialect's values, {{ expressions }} with ours."""

    def __init__(self, dialect: Dialect, codec: DialectCodec) -> None:
        self.dialect = dialect
        self.codec = codec

    def write(self, op: Operation, values: dict[str, Any], native: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The path and parameters of one request.

        values: as the dialect writes them (amounts in its unit, times in its format);
        native: ours, for {{ expressions }} (amounts in fen, the time as a time).
        TemplateProblem when an expression fails: the request is not sent.
        """
        dialect = self.dialect
        path = dialect.gateway.path if dialect.gateway else op.path or ""
        path = PLACEHOLDER.sub(lambda m: quote(str(values.get(m.group(1), "")), safe=""), path)
        params = self.fill(op.params, values, native)
        if dialect.json_in_field:  # the biz_content way: our params as one JSON string in a form field
            params = {dialect.json_in_field: json.dumps(params, ensure_ascii=False, separators=(",", ":"))}
        named = {dialect.gateway.field: op.name} if dialect.gateway else {}
        params = {**self.fill(dialect.common, values, native), **named, **params}
        if dialect.envelope is not None and op.method != "GET":
            params = self.fill(dialect.envelope, {**values, "params": params}, {**native, "params": params})
        return path, params

    def headers(self, op: Operation, values: dict[str, Any], native: dict[str, Any]) -> dict[str, str]:
        """The dialect's and the operation's extra headers, filled; TemplateProblem if a value would break a line."""
        filled = self.fill({**self.dialect.headers, **op.headers}, values, native)
        headers = {name: str(value) for name, value in filled.items()}
        if any(ch in value for value in headers.values() for ch in "\r\n\0"):
            raise TemplateProblem("a header value holds a line break")
        return headers

    def fill(self, template: Any, values: dict[str, Any], native: dict[str, Any]) -> Any:
        if isinstance(template, dict):
            filled = {k: self.fill(v, values, native) for k, v in template.items()}
            return {k: v for k, v in filled.items() if v is not None}
        if isinstance(template, list):
            return [self.fill(v, values, native) for v in template]
        if not isinstance(template, str):
            return template
        if is_template(template):
            value = render(template, native, self.dialect.timezone)
            is_time = isinstance(value, datetime | date)
            return self.codec.format_time(value) if is_time else value  # a bare time in the dialect's format
        whole = PLACEHOLDER.fullmatch(template)
        if whole:  # a lone placeholder keeps its type (an int amount stays an int) and may be left out
            return values.get(whole.group(1))
        return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)
