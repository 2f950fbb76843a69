"""The visual editor's form as plain data: read from a merchant file, read back from the posted form.

A shape is a dict of what the form shows: colours, card faces, wallet sections (each remembering which
section of the file it came from, `src`), copy overrides, bind method and checkout rules (PIN amount in
yuan, as ops type it). Reading the posted form also collects its problems (a colour that is not
#rrggbb, an amount that is not yuan, a time that is not a time), each as (field, console text key, values).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from bff.merchants.yaml_limits import load_yaml
from bff.money import fen_to_yuan
from bff.ops.visual_money import YuanProblem, parse_yuan

COLOURS = ("primary", "on_primary", "background", "surface", "text")
SECTION_TYPES = ("total_balance", "card_list", "bind_button", "notice", "faq", "help")
BIND_METHODS = ("password", "sms", "number_only")
PINS = ("always", "above", "never")
TONES = ("info", "warning")
LOCALES = ("zh-CN", "en")
HEX = re.compile(r"#[0-9a-fA-F]{6}")
MAX_ROWS = 100  # sections, FAQ items, faces or copy rows a posted form may hold

Problem = tuple[str, str, dict[str, object]]  # the form field, the ops.editor.* text key, its values


def _map(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any, locale: str) -> str:
    return str(_map(value).get(locale) or "")


def _time(value: Any) -> str:
    """A notice time as the form shows it (YAML may have read it as a datetime already)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else str(value)


def read(text: str) -> dict[str, Any]:
    """The shape of a merchant file's text (any part it lacks or has the wrong type is empty)."""
    data = _map(load_yaml(text))
    brand = _map(data.get("brand"))
    checkout = data.get("checkout")
    sections = _map(_map(data.get("pages")).get("wallet")).get("sections")
    copy = _map(data.get("copy"))
    return {
        "colours": {k: str(_map(brand.get("colours")).get(k) or "") for k in COLOURS},
        "dark": {k: str(_map(brand.get("dark")).get(k) or "") for k in COLOURS},
        "faces": [_face(key, face) for key, face in _map(brand.get("card_faces")).items()],
        "sections": [_section(i, s) for i, s in enumerate(sections if isinstance(sections, list) else [])],
        "copy": [
            {"locale": loc, "key": str(key), "text": str(value)}
            for loc in LOCALES
            for key, value in _map(copy.get(loc)).items()
        ],
        "bind_method": str(_map(_map(data.get("flows")).get("bind")).get("method") or ""),
        "checkout": _checkout(_map(checkout)) if isinstance(checkout, dict) else None,
    }


def _face(key: str, face: Any) -> dict[str, str]:
    face = _map(face)
    label = face.get("label")
    return {
        "key": str(key),
        "zh": _text(label, "zh-CN"),
        "en": _text(label, "en"),
        "background": str(face.get("background") or ""),
        "text": str(face.get("text") or ""),
    }


def _section(index: int, section: Any) -> dict[str, Any]:
    section = _map(section)
    shape: dict[str, Any] = {"src": str(index), "type": str(section.get("type") or "?")}
    if shape["type"] == "notice":
        text = section.get("text")
        shape.update(zh=_text(text, "zh-CN"), en=_text(text, "en"), tone=str(section.get("tone") or "info"))
        shape.update(starts=_time(section.get("starts")), ends=_time(section.get("ends")))
    if shape["type"] == "faq":
        items = section.get("items")
        shape["items"] = [_item(str(j), item) for j, item in enumerate(items if isinstance(items, list) else [])]
    return shape


def _item(src: str, item: Any) -> dict[str, str]:
    item = _map(item)
    q, a = item.get("question"), item.get("answer")
    return {
        "src": src,
        "q_zh": _text(q, "zh-CN"),
        "q_en": _text(q, "en"),
        "a_zh": _text(a, "zh-CN"),
        "a_en": _text(a, "en"),
    }


def _checkout(checkout: dict[str, Any]) -> dict[str, Any]:
    pin = _map(checkout.get("pin"))
    above = pin.get("above_amount", 0)
    return {
        "max_cards": str(checkout.get("max_cards", 2)),
        "allow_remainder": bool(checkout.get("allow_remainder", True)),
        "pin": str(pin.get("required") or "never"),
        "pin_above": fen_to_yuan(above) if isinstance(above, int) and not isinstance(above, bool) else str(above),
    }


def _count(form: MultiDict[str, str], name: str) -> int:
    try:
        return max(0, min(MAX_ROWS, int(form.get(name, "0"))))
    except ValueError:
        return 0


def from_form(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """The shape the posted form holds, and what is wrong with its values."""
    problems: list[Problem] = []
    get = lambda name: form.get(name, "").strip()  # noqa: E731 - one short reader for many fields
    shape: dict[str, Any] = {
        "colours": {k: get(f"c_{k}") for k in COLOURS},
        "dark": {k: get(f"d_{k}") for k in COLOURS},
        "faces": [
            {f: get(f"face_{i}_{f}") for f in ("key", "zh", "en", "background", "text")}
            for i in range(_count(form, "faces"))
        ],
        "sections": [_posted_section(form, i) for i in range(_count(form, "sections"))],
        "copy": [
            {"locale": get(f"k_{i}_locale"), "key": get(f"k_{i}_key"), "text": get(f"k_{i}_text")}
            for i in range(_count(form, "copies"))
        ],
        "bind_method": get("bind_method"),
        "checkout": None,
    }
    if form.get("max_cards") is not None:
        shape["checkout"] = {
            "max_cards": get("max_cards"),
            "allow_remainder": form.get("allow_remainder") == "on",
            "pin": get("pin"),
            "pin_above": get("pin_above"),
        }
    problems += _colour_problems(shape)
    problems += _section_problems(shape["sections"])
    problems += _checkout_problems(shape["checkout"])
    return shape, problems


def _posted_section(form: MultiDict[str, str], i: int) -> dict[str, Any]:
    get = lambda name: form.get(f"s_{i}_{name}", "").strip()  # noqa: E731
    shape: dict[str, Any] = {"src": get("src"), "type": get("type")}
    if shape["type"] == "notice":
        shape.update({f: get(f) for f in ("zh", "en", "tone", "starts", "ends")})
    if shape["type"] == "faq":
        fields = ("src", "q_zh", "q_en", "a_zh", "a_en")
        shape["items"] = [{f: get(f"i{j}_{f}") for f in fields} for j in range(_count(form, f"s_{i}_items"))]
    return shape


def _colour_problems(shape: dict[str, Any]) -> list[Problem]:
    found = []
    for scheme, prefix in (("colours", "c"), ("dark", "d")):
        for key, value in shape[scheme].items():
            if value and not HEX.fullmatch(value):
                found.append((f"{prefix}_{key}", "ops.editor.problem.colour", {"value": value}))
    for i, face in enumerate(shape["faces"]):
        for key in ("background", "text"):
            if not HEX.fullmatch(face[key]):
                found.append((f"face_{i}_{key}", "ops.editor.problem.colour", {"value": face[key]}))
    return found


def _section_problems(sections: list[dict[str, Any]]) -> list[Problem]:
    found = []
    for i, section in enumerate(sections):
        for name in ("starts", "ends"):
            value = section.get(name, "")
            if value and not _is_time(value):
                found.append((f"s_{i}_{name}", "ops.editor.problem.time", {"value": value}))
    return found


def _is_time(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _checkout_problems(checkout: dict[str, Any] | None) -> list[Problem]:
    if checkout is None:
        return []
    found: list[Problem] = []
    if not checkout["max_cards"].isdigit():
        found.append(("max_cards", "ops.editor.problem.cards", {"value": checkout["max_cards"]}))
    if checkout["pin"] == "above":
        try:
            parse_yuan(checkout["pin_above"])
        except YuanProblem as exc:
            found.append(("pin_above", f"ops.editor.problem.yuan.{exc.reason}", {"value": checkout["pin_above"]}))
    return found
