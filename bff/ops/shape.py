"""The structured part of the editor: brand colours, section order, copy, flows and checkout rules.

It edits the YAML data of the working draft and leaves everything else as it was; the raw editor
covers the rest. Values are validated with the whole file on save.
"""

from __future__ import annotations

from typing import Any

import yaml
from werkzeug.datastructures import MultiDict

COLOURS = ("primary", "on_primary", "background", "surface", "text")


def shape_of(text: str) -> dict[str, Any]:
    """The fields the form shows, read from a merchant file's text."""
    data = yaml.safe_load(text) or {}
    sections = ((data.get("pages") or {}).get("wallet") or {}).get("sections") or []
    checkout = data.get("checkout") or {}
    return {
        "colours": {k: ((data.get("brand") or {}).get("colours") or {}).get(k, "") for k in COLOURS},
        "sections": [s.get("type", "?") for s in sections],
        "copy_texts": {
            loc: "\n".join(f"{k}: {v}" for k, v in (data.get("copy") or {}).get(loc, {}).items())
            for loc in ("zh-CN", "en")
        },
        "bind_method": ((data.get("flows") or {}).get("bind") or {}).get("method", ""),
        "checkout": {
            "max_cards": checkout.get("max_cards", ""),
            "allow_remainder": bool(checkout.get("allow_remainder", True)),
            "pin": (checkout.get("pin") or {}).get("required", "never"),
            "pin_above": (checkout.get("pin") or {}).get("above_amount", 0),
        }
        if checkout
        else None,
    }


def apply_form(text: str, form: MultiDict[str, str]) -> str:
    """The file's text with the form's values put in; keys the form doesn't cover are kept."""
    data = yaml.safe_load(text) or {}
    colours = data.setdefault("brand", {}).setdefault("colours", {})
    for key in COLOURS:
        value = form.get(f"colour_{key}", "").strip()
        if value:
            colours[key] = value
        else:
            colours.pop(key, None)
    sections = ((data.get("pages") or {}).get("wallet") or {}).get("sections") or []
    order = [_number(form.get(f"order_{i}"), i + 1) for i in range(len(sections))]
    ranked = sorted(zip(order, range(len(sections)), sections, strict=True), key=lambda r: (r[0], r[1]))
    data["pages"]["wallet"]["sections"] = [section for _, _, section in ranked]
    copy = {}
    for locale in ("zh-CN", "en"):
        lines = [line.partition(":") for line in form.get(f"copy_{locale}", "").splitlines() if line.strip()]
        texts = {key.strip(): value.strip() for key, _, value in lines if key.strip()}
        if texts:
            copy[locale] = texts
    if copy:
        data["copy"] = copy
    else:
        data.pop("copy", None)
    if form.get("bind_method"):
        data.setdefault("flows", {}).setdefault("bind", {})["method"] = form["bind_method"]
    if "checkout" in data and form.get("max_cards"):
        checkout = data["checkout"]
        checkout["max_cards"] = _number(form["max_cards"], checkout.get("max_cards", 1))
        checkout["allow_remainder"] = form.get("allow_remainder") == "on"
        pin = {"required": form.get("pin", "never")}
        if pin["required"] == "above":
            pin["above_amount"] = _number(form.get("pin_above"), 0)
        checkout["pin"] = pin
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def _number(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default
