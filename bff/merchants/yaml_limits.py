"""Merchant YAML read within limits: file size, nesting depth and how far aliases expand.

Ops can save anything as a draft, so a file must never make a reader recurse without end (5,000
nested brackets) or expand aliases into millions of values ("billion laughs"). The event stream is
walked first (the parser is not recursive), and only a file within the limits is built into data.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    NodeEvent,
    ScalarEvent,
)

MAX_BYTES = 256 * 1024
MAX_DEPTH = 64  # a merchant file is about ten levels deep
MAX_VALUES = 100_000  # counted with every alias expanded
# libyaml, when PyYAML was built with it, walks a hostile file in a fraction of the pure-Python time
EVENTS_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YAMLRefused(yaml.YAMLError):
    """The file is over a limit; the message says which, for ops to read."""


def too_large(size: int) -> str | None:
    """Why a file of this many bytes is refused, or None when it is within the limit."""
    if size <= MAX_BYTES:
        return None
    return f"the file is {size // 1024} KB; a merchant file may be at most {MAX_BYTES // 1024} KB"


def load_yaml(raw: bytes | str) -> Any:
    """yaml.safe_load, after checking size, depth and alias expansion; YAMLRefused names the limit."""
    reason = too_large(len(raw.encode() if isinstance(raw, str) else raw))
    if reason:
        raise YAMLRefused(reason)
    _check_events(raw)
    return yaml.safe_load(raw)


def _check_events(raw: bytes | str) -> None:
    weights = [0]  # values so far in each open collection, the document at the bottom
    anchors: list[str | None] = []  # the anchor of each open collection
    done: dict[str, int] = {}  # anchor → how many values an alias to it stands for
    for event in yaml.parse(raw, Loader=EVENTS_LOADER):
        if isinstance(event, DocumentStartEvent):
            weights, anchors, done = [0], [], {}
        elif isinstance(event, CollectionStartEvent):
            if len(anchors) >= MAX_DEPTH:
                raise YAMLRefused(f"line {_line(event)}: nested deeper than {MAX_DEPTH} levels")
            weights.append(1)
            anchors.append(event.anchor)
        elif isinstance(event, CollectionEndEvent):
            weight, anchor = weights.pop(), anchors.pop()
            if anchor:
                done[anchor] = weight
            _add(weights, weight, event)
        elif isinstance(event, ScalarEvent):
            if event.anchor:
                done[event.anchor] = 1
            _add(weights, 1, event)
        elif isinstance(event, AliasEvent):
            if event.anchor not in done:
                raise YAMLRefused(f"line {_line(event)}: alias *{event.anchor} is used inside or before its anchor")
            _add(weights, done[event.anchor], event)


def _add(weights: list[int], weight: int, event: NodeEvent | CollectionEndEvent) -> None:
    weights[-1] += weight
    if weights[-1] > MAX_VALUES:
        raise YAMLRefused(f"line {_line(event)}: more than {MAX_VALUES:,} values, counting aliases in full")


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0
