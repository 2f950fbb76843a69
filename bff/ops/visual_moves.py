"""The visual editor's buttons that change the form itself: move, add and remove sections, FAQ items, copy rows.

Each button is a submit button named `do` (no JS needed); the page comes back with the form changed and
nothing saved. A value that names no row is ignored.
"""

from __future__ import annotations

from typing import Any

from bff.i18n import known_message_keys
from bff.ops.visual_form import LOCALES, MAX_ROWS, SECTION_TYPES

ADDABLE = ("notice", "faq", "total_balance", "bind_button", "help")  # card_list is there already, once


def _swap(rows: list[Any], i: int, j: int) -> None:
    if 0 <= i < len(rows) and 0 <= j < len(rows):
        rows[i], rows[j] = rows[j], rows[i]


def _numbers(parts: list[str]) -> list[int]:
    try:
        return [int(p) for p in parts]
    except ValueError:
        return [-1] * len(parts)


def new_section(kind: str) -> dict[str, Any]:
    section: dict[str, Any] = {"src": "", "type": kind}
    if kind == "notice":
        section.update(zh="", en="", tone="info", starts="", ends="")
    if kind == "faq":
        section["items"] = [new_item()]
    return section


def new_item() -> dict[str, str]:
    return {"src": "", "q_zh": "", "q_en": "", "a_zh": "", "a_en": ""}


def act(shape: dict[str, Any], do: str, picked_key: str = "", picked_locale: str = "") -> None:
    """Change the shape as the button `do` says (e.g. "up:2", "faq-add:3", "copy-add")."""
    verb, *rest = do.split(":")
    numbers = _numbers(rest)
    sections = shape["sections"]
    if verb in ("up", "down", "remove") and len(numbers) == 1:
        i = numbers[0]
        if verb == "remove" and 0 <= i < len(sections):
            del sections[i]
        elif verb != "remove":
            _swap(sections, i, i - 1 if verb == "up" else i + 1)
    elif verb == "add" and rest and rest[0] in SECTION_TYPES and len(sections) < MAX_ROWS:
        sections.append(new_section(rest[0]))
    elif verb.startswith("faq-") and numbers and 0 <= numbers[0] < len(sections):
        _faq(sections[numbers[0]].get("items"), verb, numbers[1:])
    elif verb == "copy-add" and picked_key in known_message_keys() and len(shape["copy"]) < MAX_ROWS:
        for locale in [picked_locale] if picked_locale in LOCALES else LOCALES:
            shape["copy"].append({"locale": locale, "key": picked_key, "text": ""})
    elif verb == "copy-remove" and len(numbers) == 1 and 0 <= numbers[0] < len(shape["copy"]):
        del shape["copy"][numbers[0]]


def _faq(items: list[dict[str, str]] | None, verb: str, numbers: list[int]) -> None:
    if items is None:
        return
    if verb == "faq-add" and len(items) < MAX_ROWS:
        items.append(new_item())
    elif verb == "faq-remove" and len(numbers) == 1 and 0 <= numbers[0] < len(items):
        del items[numbers[0]]
    elif verb in ("faq-up", "faq-down") and len(numbers) == 1:
        _swap(items, numbers[0], numbers[0] + (-1 if verb == "faq-up" else 1))
