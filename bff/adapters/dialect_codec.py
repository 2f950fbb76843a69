"""Reading and writing a dialect's values: answer fields by JMESPath, amounts, times and dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jmespath

from bff.merchants.dialect import Dialect
from bff.money import fen_to_yuan, yuan_to_fen


def get(data: Any, path: str | None) -> Any:
    """The value a JMESPath expression picks ('' is the whole thing); None when nothing is there."""
    if path is None:
        return None
    return data if path == "" else _compiled(path).search(data)


@lru_cache(maxsize=1024)
def _compiled(path: str) -> jmespath.parser.ParsedResult:
    return jmespath.compile(path)


class DialectCodec:
    """Amounts, times and dates as one dialect writes them."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.zone = ZoneInfo(dialect.timezone)

    def format_amount(self, fen: int) -> int | str:
        return fen_to_yuan(fen) if self.dialect.amount_unit == "yuan" else fen

    def parse_amount(self, value: Any) -> int:
        """Fen from what the dialect sent; never through a float."""
        if self.dialect.amount_wrapper and isinstance(value, dict):
            value = value[self.dialect.amount_wrapper]
        if isinstance(value, bool) or value is None:
            raise ValueError("no amount")
        if self.dialect.amount_unit == "yuan":
            if isinstance(value, float):
                raise ValueError("a yuan amount as a float")
            return yuan_to_fen(str(value))
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, float) and value == int(value):
            return int(Decimal(str(value)))
        raise ValueError(f"{value!r} is not an amount in fen")

    def format_time(self, moment: datetime) -> str | int:
        fmt = self.dialect.time_format
        if fmt == "iso":
            return moment.astimezone(self.zone).isoformat(timespec="seconds")
        if fmt == "epoch_ms":
            return int(moment.timestamp() * 1000)
        return moment.astimezone(self.zone).strftime(fmt)

    def parse_time(self, value: Any) -> datetime:
        fmt = self.dialect.time_format
        if fmt == "epoch_ms":
            return datetime.fromtimestamp(int(value) / 1000, UTC)
        moment = datetime.fromisoformat(str(value)) if fmt == "iso" else datetime.strptime(str(value), fmt)
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    def parse_date(self, value: Any) -> date:
        fmt = self.dialect.date_format
        return date.fromisoformat(str(value)) if fmt == "iso" else datetime.strptime(str(value), fmt).date()
