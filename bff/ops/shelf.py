"""A merchant's named drafts: list them, start one from live or from another draft, rename, discard.

Each draft is a file (bff/ops/desk.py says where) with who changed it when beside it. Every change here
takes the merchant's turn like a save, and discarding checks the version the page showed: a draft saved
since is not thrown away unseen.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from bff.ops.desk import DRAFT_NAME, MAIN, Desk, DraftMovedOn, version_of


class DraftExists(Exception):
    """A draft of that name is there already; nothing was changed."""


class NoSuchDraft(LookupError):
    """The draft (or the live file) to start from is not there."""


@dataclass(frozen=True)
class DraftInfo:
    name: str
    by: str
    at: float
    problems: int
    differs: bool
    version: str


def drafts(desk: Desk, merchant_id: str) -> list[DraftInfo]:
    """The merchant's drafts, the main one first: who changed each when, whether it validates and differs."""
    folder = desk.drafts / merchant_id
    names = sorted(p.stem for p in folder.glob("*.yaml") if DRAFT_NAME.fullmatch(p.stem)) if folder.is_dir() else []
    names = [MAIN, *[n for n in names if n != MAIN]]
    live = desk.live_text(merchant_id)
    found = []
    for name in names:
        text = desk.draft_text(merchant_id, name)
        if text is None:
            continue
        meta = _meta(desk, merchant_id, name)
        problems = len(desk.problems(merchant_id, text))
        found.append(
            DraftInfo(name, meta.get("by", "?"), meta.get("at", 0.0), problems, text != live, version_of(text))
        )
    return found


def _meta(desk: Desk, merchant_id: str, name: str) -> dict:
    path = desk.draft_path(merchant_id, name).with_suffix(".json")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"at": desk.draft_path(merchant_id, name).stat().st_mtime}
    return meta if isinstance(meta, dict) else {}


def create(desk: Desk, merchant_id: str, name: str, source: str, user: str) -> None:
    """A new draft called name, a copy of the live file (source "live") or of the draft called source."""
    with desk._turn(merchant_id):
        if desk.draft_text(merchant_id, name) is not None:
            raise DraftExists(name)
        text = desk.live_text(merchant_id) if source == "live" else desk.draft_text(merchant_id, source)
        if text is None:
            raise NoSuchDraft(source)
        desk.write_draft(merchant_id, name, text, user)
        desk._audit(user, merchant_id, f"create draft {name}", "", "", f"from {source}")


def rename(desk: Desk, merchant_id: str, old: str, new: str, user: str) -> None:
    with desk._turn(merchant_id):
        if desk.draft_text(merchant_id, old) is None:
            raise NoSuchDraft(old)
        if desk.draft_text(merchant_id, new) is not None:
            raise DraftExists(new)
        source, target = desk.draft_path(merchant_id, old), desk.draft_path(merchant_id, new)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        if source.with_suffix(".json").is_file():
            os.replace(source.with_suffix(".json"), target.with_suffix(".json"))
        desk._audit(user, merchant_id, f"rename draft {old} to {new}", "", "")


def discard(desk: Desk, merchant_id: str, name: str, base_version: str, user: str) -> None:
    """Throw a draft away, if it is still the version the page showed; the audit log keeps its diff."""
    with desk._turn(merchant_id):
        text = desk.draft_text(merchant_id, name)
        if text is None or version_of(text) != base_version:
            raise DraftMovedOn(merchant_id)
        path = desk.draft_path(merchant_id, name)
        path.unlink()
        path.with_suffix(".json").unlink(missing_ok=True)
        desk._audit(user, merchant_id, f"discard draft {name}", text, desk.live_text(merchant_id) or "")
