"""Reading a dialect's answers: result levels, lists (plain or flat and numbered), derived ids."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bff.adapters.dialect_codec import get
from bff.cards.errors import CardSystemUnavailable, ErrorCode
from bff.merchants.dialect import Operation
from bff.merchants.dialect_answers import Result, ResultLevel


class UnknownResult(Exception):
    """The answer's result can't be read as a success or one of our errors: unknown, never success."""

    def __init__(self, raw: Any) -> None:
        super().__init__(raw)
        self.raw = raw


class InProgressResult(UnknownResult):
    """The answer says the operation is still in progress (a `pending` code): a payment is PROCESSING."""


class StillInProgress(CardSystemUnavailable):
    """An operation answered with a `pending` code: in progress, neither success nor failure."""

    def __init__(self, message: str, data: Any) -> None:
        super().__init__(message)
        self.data = data  # the answer's data, for the amount a status query may give


def result_error(result: Result, http_status: int, body: Any) -> ErrorCode | None:
    """None when the answer says success at every level; our error code when it says which; else UnknownResult."""
    for level in (result, result.business):
        if level is None:
            continue
        error = _level_error(level, http_status, body)
        if error is not None:
            return error
    return None


def _level_error(level: ResultLevel, http_status: int, body: Any) -> ErrorCode | None:
    if _succeeded(level, http_status, body):
        return None
    for where in dict.fromkeys(w for w in (level.error, level.code) if w):  # an in-progress code sits in either
        code = get(body, where)
        if code is not None and str(code) in level.pending:
            raise InProgressResult(code)
    raw = get(body, level.error or level.code)
    error = level.errors.get(str(raw)) if raw is not None else None
    if error is None:
        raise UnknownResult(raw)
    return error


def _succeeded(level: ResultLevel, http_status: int, body: Any) -> bool:
    if level.flag is not None:
        flag = get(body, level.flag)
        return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")
    if level.http_ok:
        return http_status in level.http_ok
    raw = get(body, level.code)
    return raw is not None and str(raw) in level.ok


def items_of(op: Operation, data: Any) -> list[Any]:
    """The operation's list in an answer: a list at its answer path, or flat numbered fields there."""
    node = get(data, op.answer)
    if op.indexed is None:
        if not isinstance(node, list):
            raise TypeError("the answer holds no list there")
        return node
    if not isinstance(node, dict):
        raise TypeError("the answer holds no object for the numbered fields")
    count = get(node, op.indexed.count)
    if isinstance(count, bool) or not (isinstance(count, int) or (isinstance(count, str) and count.isdigit())):
        raise ValueError("the count of numbered items is missing or not a number")
    first, pattern = op.indexed.first, op.indexed.pattern()
    rows: list[dict[str, Any]] = [{} for _ in range(int(count))]
    for key, value in node.items():
        match = pattern.match(key)
        if match and first <= int(match["i"]) < first + len(rows):
            rows[int(match["i"]) - first][match["name"]] = value
    if any(not row for row in rows):
        raise ValueError("fewer numbered items than the count says")
    return rows


def derived_row_id(values: list[Any]) -> str:
    """A history row's stable id from the values of its configured fields (same row, same id, every call)."""
    text = json.dumps(values, ensure_ascii=False, default=str, separators=(",", ":"))
    return "r-" + hashlib.sha256(text.encode()).hexdigest()[:24]


def derived_card_id(key: bytes, card_number: str) -> str:
    """A card's id from its number by a keyed hash: stable, and the number can't be read back from it."""
    return "k-" + hmac.new(key, card_number.encode(), hashlib.sha256).hexdigest()[:24]
