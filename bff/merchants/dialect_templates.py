"""Request values as Jinja2 expressions over our values, in a sandbox ops-edited config can't break out of.

`"{{ amount | yuan }}"` writes "12.34"; a value that is exactly one `{{ … }}` keeps its type (`"{{ amount }}"`
stays an int in fen); mixed text renders as a string. Only expressions: no statements, no attributes, no
globals, a short list of filters, and `*` / `**` / `/` / `%` intercepted, so no template can allocate or
compute without bound. Templates are bounded in length, and so is what they render.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import TemplateError, Undefined, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bff.money import fen_to_yuan

MAX_TEMPLATE = 500  # characters of one template
MAX_OUTPUT = 4096  # characters of what one template renders, and of any string it builds
MAX_BITS = 256  # of an integer `*` or `**` builds
MARKS = re.compile(r"\{\{|\{%|\{#")
LONE = re.compile(r"^\{\{-?(?P<inner>.*?)-?\}\}$", re.DOTALL)
SAFE_FILTERS = ("upper", "lower", "trim", "default", "d", "string", "int", "abs", "length", "truncate")
SAMPLE = {  # what a template is tried on when the config is loaded
    "user_id": "u1001",
    "card_id": "c-1",
    "card_number": "6200000000000000",
    "secret": "123456",
    "sms_code": "123456",
    "payment_id": "kb-1-1-1",
    "order_id": "O-1",
    "amount": 1234,
    "currency": "CNY",
    "refund_id": "kb-1-1-1:r1",
    "limit": 20,
    "page": 1,
    "offset": 0,
    "cursor": "",
    "now": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    "uuid": "0" * 32,
    "params": {},
}


class TemplateProblem(ValueError):
    """A template that can't be used, or that failed to render; the request isn't sent."""


def is_template(text: Any) -> bool:
    """A Jinja2 template rather than the old {placeholder} form."""
    return isinstance(text, str) and MARKS.search(text) is not None


class RequestEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, tightened: no attribute of anything, no globals, and bounded arithmetic."""

    intercepted_binops = frozenset({"*", "**", "/", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False  # our values are plain strings and numbers: nothing a template needs is an attribute

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            return _times(left, right)
        if operator == "**":
            return _power(left, right)
        if operator == "/":
            raise SecurityError("'/' makes a float, and amounts never are one: use a filter such as yuan")
        if isinstance(left, str):
            raise SecurityError("'%' formatting of strings is not allowed: use ~ to join text")
        return super().call_binop(context, operator, left, right)


def _times(left: Any, right: Any) -> Any:
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * max(count, 0) > MAX_OUTPUT:
            raise SecurityError(f"a repeat longer than {MAX_OUTPUT} characters")
    if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > MAX_BITS:
        raise SecurityError("a product too large")
    return left * right


def _power(base: Any, exponent: Any) -> Any:
    if not (isinstance(base, int) and isinstance(exponent, int)) or not 0 <= exponent <= MAX_BITS:
        raise SecurityError("'**' takes small whole numbers only")
    if max(base.bit_length(), 1) * exponent > MAX_BITS:
        raise SecurityError("a power too large")
    return base**exponent


def _passes_undefined(fn):  # a value we don't have stays undefined through our filters
    def filter_(value: Any, *args: Any) -> Any:
        return value if isinstance(value, Undefined) else fn(value, *args)

    return filter_


def _fen(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateProblem(f"{value!r} is not an amount in fen")
    return value


def _cents(value: Any, digits: int = 2) -> int:
    """Fen as the minor units of a currency with `digits` decimals (2: the same number; 3: ×10)."""
    fen = _fen(value)
    if not 0 <= digits <= 4:
        raise TemplateProblem("cents(digits): digits from 0 to 4")
    if digits >= 2:
        return fen * 10 ** (digits - 2)
    whole, rest = divmod(fen, 10 ** (2 - digits))
    if rest:
        raise TemplateProblem(f"{fen} fen is not a whole number of units with {digits} decimals")
    return whole


@lru_cache(maxsize=32)
def environment(timezone: str = "Asia/Shanghai") -> RequestEnvironment:
    """The environment of one dialect's timezone (dates and times are written in it)."""
    zone = ZoneInfo(timezone)
    env = RequestEnvironment(autoescape=False)
    env.globals.clear()
    env.filters = {name: env.filters[name] for name in SAFE_FILTERS}

    def moment(value: Any) -> datetime | date:
        if isinstance(value, datetime):
            return value.astimezone(zone)
        if isinstance(value, date):
            return value
        raise TemplateProblem(f"{value!r} is not a time")

    def strftime(value: Any, fmt: str) -> str:
        if len(fmt) > 64:
            raise TemplateProblem("a strftime pattern longer than 64 characters")
        return moment(value).strftime(fmt)

    ours = {
        "yuan": lambda v: fen_to_yuan(_fen(v)),
        "fen": _fen,
        "cents": _cents,
        "strftime": strftime,
        "iso": lambda v: moment(v).isoformat(timespec="seconds"),
        "epoch": lambda v: int(moment(v).timestamp()),
        "epoch_ms": lambda v: int(moment(v).timestamp() * 1000),
    }
    env.filters |= {name: _passes_undefined(fn) for name, fn in ours.items()}
    return env


def check(text: str, known: frozenset[str] | set[str]) -> None:
    """Refuse, with the reason, a template too long, with a statement, not parsing, or naming an unknown value."""
    if len(text) > MAX_TEMPLATE:
        raise TemplateProblem(f"a template longer than {MAX_TEMPLATE} characters")
    if "{%" in text or "{#" in text:
        raise TemplateProblem("only expressions ({{ … }}), no statements ({% … %}) or comments")
    env = environment()
    try:
        tree = env.parse(text)
    except TemplateError as exc:
        raise TemplateProblem(f"not a template: {exc.message}") from None
    if any(not isinstance(node, nodes.Output) for node in tree.body):
        raise TemplateProblem("only expressions ({{ … }})")
    if any(True for _ in tree.find_all(nodes.Getattr)):
        raise TemplateProblem("no attributes (a.b): our values are plain text and numbers; use filters")
    unknown_filters = {f.name for f in tree.find_all(nodes.Filter)} - set(env.filters)
    if unknown_filters:
        raise TemplateProblem(f"unknown filter {sorted(unknown_filters)[0]!r}; known: {', '.join(sorted(env.filters))}")
    try:
        unknown = meta.find_undeclared_variables(tree) - set(known)
    except TemplateError as exc:
        raise TemplateProblem(f"not a template: {exc.message}") from None
    if unknown:
        raise TemplateProblem(f"unknown value {sorted(unknown)[0]!r}; known: {', '.join(sorted(known))}")
    render(text, SAMPLE)  # a template that fails on ordinary values fails here, not on a shopper's payment


def names(text: str) -> set[str]:
    """The values a template reads."""
    return set(meta.find_undeclared_variables(environment().parse(text)))


def render(text: str, values: dict[str, Any], timezone: str = "Asia/Shanghai") -> Any:
    """The template's value: native for a lone expression, else text; None when a lone one has no value."""
    context = {k: v for k, v in values.items() if v is not None}
    try:
        value = _compiled(timezone, text)(**context)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateProblem(f"{type(exc).__name__}: {exc}") from None
    if value is None or isinstance(value, Undefined):
        return None
    if isinstance(value, float):
        raise TemplateProblem("a template gave a float; amounts never are one: use a filter such as yuan")
    if not isinstance(value, str | int | datetime | date):
        raise TemplateProblem(f"a template gave a {type(value).__name__}; it must give text or a whole number")
    if isinstance(value, str) and len(value) > MAX_OUTPUT:
        raise TemplateProblem(f"a template gave more than {MAX_OUTPUT} characters")
    return value


@lru_cache(maxsize=1024)
def _compiled(timezone: str, text: str):
    env = environment(timezone)
    lone = LONE.fullmatch(text)
    if lone and _one_expression(env, text):
        return env.compile_expression(lone["inner"], undefined_to_none=False)
    template = env.from_string(text)
    return lambda **context: template.render(**context)


def _one_expression(env: RequestEnvironment, text: str) -> bool:
    body = env.parse(text).body
    return len(body) == 1 and len(body[0].nodes) == 1 and not isinstance(body[0].nodes[0], nodes.TemplateData)
