"""What an audit entry's action says, in the console's language ("publish christmas" → "发布草稿 christmas").

The audit log keeps its actions in English words (they are data: tests, scripts and the release list read
them); only what the console shows is translated. An action this table does not know is shown as it is.
"""

from __future__ import annotations

import re

from bff.ops.language import ops_text

ACTIONS: list[tuple[re.Pattern[str], str]] = [
    # before "publish <draft>": these are not drafts' names
    (re.compile(r"publish requested"), "ops.audit.action.publish_requested"),
    (re.compile(r"publish request void"), "ops.audit.action.publish_request_void"),
    (re.compile(r"publish request rejected"), "ops.audit.action.publish_request_rejected"),
    (re.compile(r"save draft"), "ops.audit.action.save_draft"),
    (re.compile(r"save draft (?P<draft>\S+)"), "ops.audit.action.save_named_draft"),
    (re.compile(r"publish"), "ops.audit.action.publish"),
    (re.compile(r"publish (?P<draft>\S+)"), "ops.audit.action.publish_named_draft"),
    (re.compile(r"rollback to (?P<version>\S+)"), "ops.audit.action.rollback"),
    (re.compile(r"create draft (?P<draft>\S+)"), "ops.audit.action.create_draft"),
    (re.compile(r"rename draft (?P<old>\S+) to (?P<new>\S+)"), "ops.audit.action.rename_draft"),
    (re.compile(r"discard draft (?P<draft>\S+)"), "ops.audit.action.discard_draft"),
    (re.compile(r"connector check passed"), "ops.audit.action.check_passed"),
    (re.compile(r"connector check failed"), "ops.audit.action.check_failed"),
    (re.compile(r"query now"), "ops.audit.action.query_now"),
    (re.compile(r"settle pending"), "ops.audit.action.settle_pending"),
    (re.compile(r"refund leg"), "ops.audit.action.refund_leg"),
    (re.compile(r"resend notification"), "ops.audit.action.resend_notification"),
    (re.compile(r"accounts: add"), "ops.audit.action.account_add"),
    (re.compile(r"accounts: enable"), "ops.audit.action.account_enable"),
    (re.compile(r"accounts: disable"), "ops.audit.action.account_disable"),
    (re.compile(r"accounts: reset password"), "ops.audit.action.account_password"),
    (re.compile(r"accounts: change roles"), "ops.audit.action.account_roles"),
    (re.compile(r"accounts: end session"), "ops.audit.action.account_end_session"),
]
DESK = re.compile(r"after-sales: (?P<action>.+)")


def action_words(action: str) -> str:
    """The action in the console's language; an after-sales one says it was the desk."""
    desk = DESK.fullmatch(action)
    if desk:
        return ops_text("ops.audit.action.desk", action=action_words(desk["action"]))
    for pattern, key in ACTIONS:
        found = pattern.fullmatch(action)
        if found:
            return ops_text(key, **found.groupdict())
    return action


# the note the after-sales desk writes (bff/ops/order_actions.py): its frame is said in the console's language
DESK_NOTE = re.compile(
    r"order (?P<order>.*?) \(checkout (?P<checkout>[^)]*)\); reason: (?P<reason>.*?); result: (?P<result>.*)", re.S
)


def note_words(action: str, note: str) -> str:
    """An audit note as the console shows it: an after-sales note's frame translated, any other note as written."""
    found = DESK_NOTE.fullmatch(note) if action.startswith("after-sales") else None
    return ops_text("ops.audit.desk_note", **found.groupdict()) if found else note
