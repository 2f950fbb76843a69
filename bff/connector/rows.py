"""The lines of a conformance report: what was expected, what came back, and how to print them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

PASS, MISSING, WRONG, SKIPPED, REFUSED = "pass", "missing", "wrong", "skipped", "refused"


@dataclass
class Row:
    operation: str
    expected: str
    outcome: str = SKIPPED
    received: str = ""
    required: bool = True
    fix: str = ""  # what the provider must change, for a line that isn't a pass


def failed(rows: list[Row]) -> bool:
    return any(r.required and r.outcome in (MISSING, WRONG, REFUSED) for r in rows)


def as_table(rows: list[Row]) -> str:
    width = max(len(r.operation) for r in rows)
    lines = [f"{'operation'.ljust(width)}  {'expected':32}  outcome   received"]
    for r in rows:
        tag = r.outcome + ("" if r.required or r.outcome == PASS else " (optional)")
        lines.append(f"{r.operation.ljust(width)}  {r.expected:32}  {tag:9} {r.received}")
        if r.fix:
            lines.append(f"{''.ljust(width)}  -> provider: {r.fix}")
    return "\n".join(lines)


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]
