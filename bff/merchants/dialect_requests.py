"""The requests of the mapping language: placeholders and templates, one gateway URL, where card numbers go."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import Field

from bff.merchants.base import Model
from bff.merchants.dialect_templates import TemplateProblem, check, is_template, names

if TYPE_CHECKING:
    from bff.merchants.dialect import Dialect, Operation

PLACEHOLDERS = {
    "user_id",
    "card_id",
    "card_number",
    "secret",
    "sms_code",
    "payment_id",
    "order_id",
    "amount",
    "currency",
    "refund_id",
    "limit",
    "page",
    "offset",
    "cursor",
    "now",
    "uuid",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
KABAO_HEADERS = frozenset({"content-type", "content-length", "host", "connection", "transfer-encoding"})


def check_headers(value: dict[str, Any]) -> dict[str, str]:
    """Extra request headers: plain names Kabao doesn't write itself, text templates as values."""
    for name, template in value.items():
        if not HEADER_NAME.match(name):
            raise ValueError(f"{name!r}: a header name is letters, digits and '-'")
        if name.lower() in KABAO_HEADERS:
            raise ValueError(f"{name}: Kabao writes this header itself")
        if not isinstance(template, str):
            raise ValueError(f"{name}: a header's value is text (quote it)")
        check_templates(template, where=name)
    return value


def signed_headers(dialect: Dialect) -> set[str]:
    """The headers the signing pipeline writes (its signature, timestamp, nonce): a configured one can't clash."""
    signing = dialect.signing
    if signing is None:
        return set()
    places = [signing.put, signing.timestamp and signing.timestamp.put, signing.nonce and signing.nonce.put]
    return {p.header.lower() for p in places if p is not None and p.header}


def check_templates(value: Any, known: frozenset[str] | set[str] = PLACEHOLDERS, where: str = "") -> Any:
    """Every {placeholder} or {{ expression }} in a request template must read only values the adapter knows."""
    if isinstance(value, str):
        if is_template(value):
            try:
                check(value, known)
            except TemplateProblem as exc:
                raise ValueError(f"{where or 'template'}: {exc}") from None
            return value
        unknown = set(PLACEHOLDER.findall(value)) - known
        if unknown:
            prefix = f"{where}: " if where else ""
            raise ValueError(
                f"{prefix}unknown placeholder {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            check_templates(item, known, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_templates(item, known, f"{where}[{i}]")
    return value


def template_names(value: Any) -> set[str]:
    """The values a request template reads, in either form."""
    if isinstance(value, str):
        return names(value) if is_template(value) else set(PLACEHOLDER.findall(value))
    if isinstance(value, dict):
        return set().union(*(template_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(template_names(v) for v in value))
    return set()


class Gateway(Model):
    """One URL for every operation; each operation's name goes in a field beside the other parameters."""

    path: str = Field(..., pattern=r"^/", description="The gateway's path, e.g. /gateway")
    field: str = Field(..., min_length=1, description="The field naming the operation, e.g. service or method")


def check_derived_card_ids(dialect: Dialect) -> None:
    """A card id derived from the number is keyed by the dialect's key and means nothing to the system."""
    if dialect.signing is None or not (dialect.signing.key_env or dialect.signing.private_key_env):
        raise ValueError(
            "card.id_from_number: the derived card id is keyed by the dialect's key; configure signing with a key"
        )
    for name, op in dialect.operations.items():
        if "card_id" in op.request_names():
            raise ValueError(f"operations.{name}: no card id in this system (id_from_number): send {{card_number}}")


CARD_OPERATIONS = (
    "card_detail",
    "transactions",
    "unbind",
    "report_lost",
    "pay",
)  # ours name a card by id: the number is looked up
TYPED_NUMBER = ("bind", "sms")  # the shopper typed the number


def reads_card_number(dialect: Dialect, name: str) -> bool:
    """Whether an operation's request reads {card_number}: its own templates, the shared ones, or a salted PIN."""
    op = dialect.operations[name]
    shared = template_names(dialect.common) | template_names(dialect.envelope or {}) | template_names(dialect.headers)
    reads = op.request_names() | shared
    wire = dialect.wire_secret
    salted = wire is not None and "card_number" in template_names(wire.text) and "secret" in reads
    return "card_number" in reads or salted


def check_card_numbers(dialect: Dialect) -> None:
    """{card_number} only where Kabao has it: typed in, or found by the card's id (id_from_number or card.number)."""
    for name in dialect.operations:
        if name in TYPED_NUMBER or not reads_card_number(dialect, name):
            continue
        if name not in CARD_OPERATIONS:
            raise ValueError(f"operations.{name}: {{card_number}} is unknown here: this operation names no card")
        if dialect.card.number_at() is None:
            raise ValueError(
                f"operations.{name}: {{card_number}} needs card.number (where the full number is in card answers)"
            )


def check_transport(dialect: Dialect, name: str, op: Operation) -> None:
    """With a gateway an operation says its name, not a path; without one, its path."""
    where = f"operations.{name}"
    gateway = dialect.gateway
    if gateway is None:
        if op.name is not None:
            raise ValueError(f"{where}.name: an operation's name is for a gateway (gateway: {{path, field}})")
        if op.path is None:
            raise ValueError(f"{where}: say its path")
        return
    if op.path is not None:
        raise ValueError(f"{where}.path: every operation goes to gateway.path; say its name instead")
    if op.name is None:
        raise ValueError(f"{where}: say its name, written in {gateway.field}")
    if gateway.field in op.params or gateway.field in dialect.common:
        raise ValueError(f"{where}.params: {gateway.field} is gateway.field; Kabao writes it from name")
