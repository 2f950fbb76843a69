"""Drafts, publishing, history and the audit log of merchant files. Plain Python, no Flask.

The files in the config dir stay the source of truth git can review: a draft lives beside them in
`.drafts/`, publishing replaces the live file atomically (temp file + rename, never half-written),
the version it replaced goes to `.history/<merchant>/`, and every change is a line in `.history/audit.jsonl`.
Every change checks and writes in the merchant's turn (bff/ops/turns.py), so two ops on two machines
changing one merchant at once never both pass the check: one wins, the other is told it moved on.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bff.merchants.loader import MERCHANT_ID, ConfigProblem, InvalidConfig, parse_merchant
from bff.merchants.policy import ConfigPolicy
from bff.merchants.yaml_limits import MAX_BYTES, too_large
from bff.ops.audit_log import Entry, append, read
from bff.ops.files import write_atomically
from bff.ops.phrases import Phrase
from bff.ops.readiness import not_ready
from bff.ops.turns import Turns

log = logging.getLogger(__name__)
MAX_NOTE = 500  # characters of a publish or rollback note
MAIN = "main"  # the draft every merchant has had: .drafts/<id>.yaml, the one the preview shows
DRAFT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


class DraftTooLarge(Exception):
    """The draft is over the size limit of a merchant file; nothing was written."""


class DraftMovedOn(Exception):
    """Someone saved or published the draft since this editor opened it; going on would overwrite their work."""


class WouldBreakDraft(Exception):
    """Saving would replace a valid draft with an invalid one, and the editor did not confirm that."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class NotPublishable(Exception):
    def __init__(self, problems: list[ConfigProblem] | list[str]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def version_of(text: str | None) -> str:
    return "" if text is None else hashlib.sha256(text.encode()).hexdigest()[:12]


def unified(before: str, after: str, labels: tuple[str, str] = ("live", "draft")) -> str:
    """What changed, as a unified diff with one line of context (not worked out for oversized files)."""
    if len(before) > 2 * MAX_BYTES or len(after) > 2 * MAX_BYTES:
        return f"(not compared: {max(len(before), len(after)) // 1024} K characters is over the size limit)\n"
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True), *labels, n=1)
    return "".join(lines)


_LOCAL = threading.Lock()


class Desk:
    """Where ops change merchant files: one per config dir."""

    def __init__(self, config_dir: Path, policy: ConfigPolicy | None = None, turns: Turns | None = None) -> None:
        self.dir = Path(config_dir)
        self.policy = policy or ConfigPolicy()
        self.drafts = self.dir / ".drafts"
        self.history = self.dir / ".history"
        self.turns = turns

    @contextmanager
    def _turn(self, merchant_id: str) -> Iterator[None]:
        """The merchant's turn across machines; without Turns (scripts, tests) only across this process's threads."""
        if self.turns is None:
            with _LOCAL:
                yield
            return
        with self.turns.of(merchant_id):
            yield

    def _live(self, merchant_id: str) -> Path:
        if not MERCHANT_ID.fullmatch(merchant_id):
            raise ValueError("not a merchant id")
        return self.dir / f"{merchant_id}.yaml"

    def live_text(self, merchant_id: str) -> str | None:
        path = self._live(merchant_id)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def draft_path(self, merchant_id: str, draft: str = MAIN) -> Path:
        """Where a named draft lives: the main one at .drafts/<id>.yaml (as ever), others in .drafts/<id>/."""
        self._live(merchant_id)
        if draft == MAIN:
            return self.drafts / f"{merchant_id}.yaml"
        if not DRAFT_NAME.fullmatch(draft):
            raise ValueError("not a draft name")
        return self.drafts / merchant_id / f"{draft}.yaml"

    def draft_text(self, merchant_id: str, draft: str = MAIN) -> str | None:
        path = self.draft_path(merchant_id, draft)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def working_text(self, merchant_id: str, draft: str = MAIN) -> str | None:
        """What the editor shows: the draft if there is one, else the live file."""
        text = self.draft_text(merchant_id, draft)
        return text if text is not None else self.live_text(merchant_id)

    def problems(self, merchant_id: str, text: str) -> list[ConfigProblem]:
        """What keeps this text from being published; never raises, whatever a draft holds."""
        path = self._live(merchant_id)
        try:
            parse_merchant(path, text.encode(), self.policy)
        except InvalidConfig as exc:
            return exc.problems
        except Exception as exc:  # a hostile draft must leave the console usable: it is simply not publishable
            log.exception("checking the draft of %s failed", merchant_id)
            reason = f"could not be checked ({type(exc).__name__}): fix it in the raw editor"
            return [ConfigProblem(path.name, "", reason)]
        return []

    def save_draft(
        self, merchant_id: str, text: str, base_version: str, user: str, break_valid: bool = False, draft: str = MAIN
    ) -> list[ConfigProblem]:
        """Keep the draft (valid or not) and answer its problems; refuse if too large or moved on since base_version.

        A valid draft is replaced by an invalid one only with break_valid (the editor's second confirmation):
        otherwise WouldBreakDraft, and nothing is written.
        """
        reason = too_large(len(text.encode()))
        if reason:
            raise DraftTooLarge(reason)
        with self._turn(merchant_id):
            before = self.working_text(merchant_id, draft)
            if version_of(before) != base_version:
                raise DraftMovedOn(merchant_id)
            saved = self.draft_text(merchant_id, draft)
            if not break_valid and saved is not None and not self.problems(merchant_id, saved):
                problems = self.problems(merchant_id, text)
                if problems:
                    raise WouldBreakDraft(problems)
            self.write_draft(merchant_id, draft, text, user)
            self._audit(user, merchant_id, _named("save draft", draft), before or "", text)
        return self.problems(merchant_id, text)

    def write_draft(self, merchant_id: str, draft: str, text: str, user: str) -> None:
        """Write a draft and who changed it when (beside it, for the list of drafts); in the merchant's turn."""
        path = self.draft_path(merchant_id, draft)
        write_atomically(path, text)
        write_atomically(path.with_suffix(".json"), json.dumps({"by": user, "at": time.time()}))

    def publish(
        self,
        merchant_id: str,
        user: str,
        base_version: str,
        note: str,
        waiver: str = "",
        draft: str = MAIN,
        approved_by: str = "",
    ) -> None:
        """Make the draft live for every BFF process (they re-read the file), keeping what it replaced.

        base_version is the draft's version the editor showed: a draft saved or published since is refused.
        note says what changed and why (required); a draft still looking like the template is refused.
        """
        note = _required(note)
        with self._turn(merchant_id):
            text = self.draft_text(merchant_id, draft)
            if text is None or version_of(text) != base_version:
                raise DraftMovedOn(merchant_id)
            problems = self.problems(merchant_id, text)
            if problems:
                raise NotPublishable(problems)
            reasons = not_ready(text)
            if reasons:
                raise NotPublishable(reasons)
            live = self.live_text(merchant_id)
            if live is None and not waiver.strip() and not self.check_passed(merchant_id, text):
                raise NotPublishable([Phrase("ops.releases.check_needed")])
            waived = f"\nconnector check waived: {waiver.strip()}" if waiver.strip() else ""
            self._replace_live(merchant_id, text, user, _named("publish", draft), note + waived, approved_by)
            self.draft_path(merchant_id, draft).unlink()
            self.draft_path(merchant_id, draft).with_suffix(".json").unlink(missing_ok=True)

    def record_check(self, merchant_id: str, text: str, passed: bool, user: str, report: str) -> None:
        """Remember a connector check of this exact draft; the audit log keeps its report."""
        action = "connector check passed" if passed else "connector check failed"
        self._audit(user, merchant_id, action, "", "", f"{version_of(text)}\n{report}")

    def check_passed(self, merchant_id: str, text: str) -> bool:
        latest = next((e for e in self.audit(merchant_id) if e.action.startswith("connector check")), None)
        return latest is not None and latest.action.endswith("passed") and latest.note.startswith(version_of(text))

    def versions(self, merchant_id: str) -> list[str]:
        """Earlier live versions, newest first (file names under .history/<merchant>/)."""
        folder = self.history / merchant_id
        return sorted((p.name for p in folder.glob("*.yaml")), reverse=True) if folder.is_dir() else []

    def releases(self, merchant_id: str) -> list[Entry]:
        """Every publish and rollback of this merchant, newest first: who, when, the note, the diff, the version."""
        return [entry for entry in self.audit(merchant_id) if entry.is_release]

    def version_text(self, merchant_id: str, version: str) -> str | None:
        if version not in self.versions(merchant_id):
            return None
        return (self.history / merchant_id / version).read_text(encoding="utf-8")

    def rollback(self, merchant_id: str, version: str, user: str, note: str) -> None:
        """Make an earlier version live again, in one step (it is validated like any publish)."""
        note = _required(note)
        with self._turn(merchant_id):
            if version not in self.versions(merchant_id):
                raise NotPublishable([Phrase("ops.releases.no_version", version=version)])
            text = (self.history / merchant_id / version).read_text(encoding="utf-8")
            problems = self.problems(merchant_id, text)
            if problems:
                raise NotPublishable(problems)
            self._replace_live(merchant_id, text, user, f"rollback to {version}", note)

    def _replace_live(
        self, merchant_id: str, text: str, user: str, action: str, note: str, approved_by: str = ""
    ) -> None:
        live = self.live_text(merchant_id)
        replaced = _stamped(live) if live is not None else ""
        if live is not None:
            write_atomically(self.history / merchant_id / replaced, live)
        kept = _stamped(text)  # what goes live is kept too: the version list can roll back to any release
        write_atomically(self.history / merchant_id / kept, text)
        write_atomically(self._live(merchant_id), text)
        self._audit(user, merchant_id, action, live or "", text, note, (kept, replaced), approved_by)

    def _audit(
        self,
        user: str,
        merchant_id: str,
        action: str,
        before: str,
        after: str,
        note: str = "",
        versions: tuple[str, str] = ("", ""),
        approved_by: str = "",
    ) -> None:
        labels = ("before", "this version") if versions[0] else ("before", "after")
        diff = unified(before, after, labels)
        entry = Entry(time.time(), user, merchant_id, action, diff, note, *versions, approved_by=approved_by)
        append(self.history, entry)

    def audit(self, merchant_id: str | None = None) -> list[Entry]:
        """The audit log, newest first, of one merchant or all."""
        return read(self.history, merchant_id)


def _named(action: str, draft: str) -> str:
    """An audit action naming the draft, unless it is the main one ("save draft", "save draft christmas")."""
    return action if draft == MAIN else f"{action} {draft}"


def _stamped(text: str) -> str:
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{version_of(text)}.yaml"


def _required(note: str) -> str:
    """A release's note, stripped; NotPublishable when there is none or it is not short."""
    note = " ".join(note.split())
    if not note:
        raise NotPublishable([Phrase("ops.releases.note_missing")])
    if len(note) > MAX_NOTE:
        raise NotPublishable([Phrase("ops.releases.note_too_long", length=len(note), limit=MAX_NOTE)])
    return note
