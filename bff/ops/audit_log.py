"""The ops audit log: one JSON line per merchant-file change or after-sales action in `.history/audit.jsonl`."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

log = logging.getLogger(__name__)
MAX_AUDIT_DIFF = 64 * 1024  # characters of diff (and of note) one audit entry keeps


@dataclass(frozen=True)
class Entry:
    when: float
    user: str
    merchant_id: str
    action: str
    diff: str
    note: str = ""
    version: str = ""  # for a publish or rollback: the file under .history/<merchant>/ holding what went live
    replaced: str = ""  # ... and the one holding what it replaced (none for a new merchant's first publish)
    approved_by: str = ""  # with second-person approval: the publisher who approved `user`'s request

    @property
    def is_release(self) -> bool:
        return self.action.startswith(("publish", "rollback"))


def bounded(text: str, limit: int = MAX_AUDIT_DIFF) -> str:
    """text cut to limit characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… truncated: {len(text) - limit} more characters not kept in the audit log\n"


def append(history: Path, entry: Entry) -> None:
    entry = replace(entry, diff=bounded(entry.diff), note=bounded(entry.note))
    line = json.dumps(asdict(entry), ensure_ascii=False)
    history.mkdir(parents=True, exist_ok=True)
    # one write of one line in append mode: lines from several processes never interleave
    with open(history / "audit.jsonl", "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def read(history: Path, merchant_id: str | None = None) -> list[Entry]:
    """The entries, newest first, of one merchant or of all."""
    path = history / "audit.jsonl"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    entries = [entry for entry in map(_entry, lines) if entry is not None]
    return [e for e in reversed(entries) if merchant_id in (None, e.merchant_id)]


def _entry(line: str) -> Entry | None:
    """One line of the audit log, or None for a line cut short (a crash mid-write) or edited by hand."""
    try:
        return Entry(**json.loads(line))
    except (ValueError, TypeError):
        if line.strip():
            log.warning("audit log: a line that is not an entry was skipped")
        return None


def record_action(history: Path, user: str, merchant_id: str, action: str, note: str) -> None:
    """One entry for something done that is not a config change (no diff), e.g. an after-sales action."""
    append(history, Entry(time.time(), user, merchant_id, action, "", note))
