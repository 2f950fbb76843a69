"""The structured part of the editor: brand colours, section order, copy, flows and checkout rules.

It edits the YAML data of the working draft and leaves everything else as it was; the raw editor
covers the rest. Values are validated with the whole file on save. A draft whose parts the form
reads have the wrong type (`sections: 5`) is not shown in the form: NotFormShaped names the key.
"""

from __future__ import annotations

from typing import Any

import yaml
from werkzeug.datastructures import MultiDict

from bff.merchants.yaml_limits import load_yaml
from bff.ops import roundtrip
from bff.ops.phrases import Phrase

COLOURS = ("primary", "on_primary", "background", "surface", "text")
LOCALES = ("zh-CN", "en")


class NotFormShaped(ValueError):
    """The draft is not laid out the way the form edits it; the message names the key path."""


def mapping_at(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise NotFormShaped(Phrase("ops.edit.not_mapping", where=where))
    return value


def child_map(parent: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """parent[key] as a mapping the form can write into (made when missing)."""
    if parent.get(key) is None:
        parent[key] = {}
    return mapping_at(parent[key], where)


def _data(text: str) -> dict[str, Any]:
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        raise NotFormShaped(Phrase("ops.edit.not_yaml")) from exc
    return mapping_at(data, Phrase("ops.edit.the_file"))


def _sections(data: dict[str, Any]) -> list[Any]:
    wallet = mapping_at(mapping_at(data.get("pages"), "pages").get("wallet"), "pages.wallet")
    sections = wallet.get("sections")
    if sections is None:
        return []
    if not isinstance(sections, list):
        raise NotFormShaped(Phrase("ops.edit.not_a_list", where="pages.wallet.sections"))
    for i, section in enumerate(sections):
        mapping_at(section, f"pages.wallet.sections.{i}")
    return sections


def checkout_map(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    if data.get("checkout") is None:
        return None
    checkout = mapping_at(data["checkout"], "checkout")
    return checkout, mapping_at(checkout.get("pin"), "checkout.pin")


def _copy(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    copy = mapping_at(data.get("copy"), "copy")
    return {loc: mapping_at(copy.get(loc), f"copy.{loc}") for loc in LOCALES}


def shape_of(text: str) -> dict[str, Any]:
    """The fields the form shows, read from a merchant file's text; NotFormShaped if it can't show them."""
    data = _data(text)
    colours = mapping_at(mapping_at(data.get("brand"), "brand").get("colours"), "brand.colours")
    bind = mapping_at(mapping_at(data.get("flows"), "flows").get("bind"), "flows.bind")
    checkout = checkout_map(data)
    return {
        "colours": {k: str(colours.get(k) or "") for k in COLOURS},
        "sections": [str((s or {}).get("type", "?")) for s in _sections(data)],
        "copy_texts": {loc: "\n".join(f"{k}: {v}" for k, v in texts.items()) for loc, texts in _copy(data).items()},
        "bind_method": str(bind.get("method") or ""),
        "checkout": {
            "max_cards": checkout[0].get("max_cards", ""),
            "allow_remainder": bool(checkout[0].get("allow_remainder", True)),
            "pin": checkout[1].get("required", "never"),
            "pin_above": checkout[1].get("above_amount", 0),
        }
        if checkout
        else None,
    }


def apply_form(text: str, form: MultiDict[str, str]) -> str:
    """The file's text with the form's values put in, changing only the lines whose values changed.

    The file is edited round-trip (ruamel.yaml): comments, key order, quoting and flow style survive,
    so the diff and the audit entry show only what ops changed.
    """
    shape_of(text)  # checks the YAML limits and refuses, naming the key, a draft the form can't edit
    try:
        document = roundtrip.Document(text)
    except roundtrip.NotRoundTrip as exc:
        raise NotFormShaped(Phrase("ops.edit.not_yaml")) from exc
    data = mapping_at(document.data, Phrase("ops.edit.the_file"))
    colours = child_map(child_map(data, "brand", "brand"), "colours", "brand.colours")
    for key in COLOURS:
        value = form.get(f"colour_{key}", "").strip()
        if value:
            roundtrip.put(colours, key, value)
        else:
            colours.pop(key, None)
    _reorder(_sections(data), form)
    _apply_copy(data, form)
    if form.get("bind_method"):
        roundtrip.put(child_map(child_map(data, "flows", "flows"), "bind", "flows.bind"), "method", form["bind_method"])
    checkout = checkout_map(data)
    if checkout and form.get("max_cards"):
        _apply_checkout(checkout[0], form)
    return document.dump()


def _reorder(sections: list[Any], form: MultiDict[str, str]) -> None:
    order = [_number(form.get(f"order_{i}"), i + 1) for i in range(len(sections))]
    ranked = sorted(zip(order, range(len(sections)), sections, strict=True), key=lambda r: (r[0], r[1]))
    if [i for _, i, _ in ranked] != list(range(len(sections))):
        sections[:] = [section for _, _, section in ranked]


def _apply_copy(data: dict[str, Any], form: MultiDict[str, str]) -> None:
    """Copy overrides from the form's `key: text` lines per locale."""
    texts = {}
    for locale in LOCALES:
        lines = [line.partition(":") for line in form.get(f"copy_{locale}", "").splitlines() if line.strip()]
        texts[locale] = {key.strip(): value.strip() for key, _, value in lines if key.strip()}
    put_copy(data, texts)


def put_copy(data: dict[str, Any], texts: dict[str, dict[str, str]]) -> None:
    """Copy overrides per locale: keys kept, changed, added or dropped one by one (the rest untouched)."""
    for locale in LOCALES:
        if not texts.get(locale):
            if isinstance(data.get("copy"), dict):
                data["copy"].pop(locale, None)
            continue
        target = child_map(child_map(data, "copy", "copy"), locale, f"copy.{locale}")
        for key in [k for k in target if k not in texts[locale]]:
            del target[key]
        for key, value in texts[locale].items():
            roundtrip.put(target, key, value)
    if not data.get("copy"):
        data.pop("copy", None)


def _apply_checkout(checkout: dict[str, Any], form: MultiDict[str, str]) -> None:
    roundtrip.put(checkout, "max_cards", _number(form["max_cards"], checkout.get("max_cards", 1)))
    remainder = form.get("allow_remainder") == "on"
    if remainder != bool(checkout.get("allow_remainder", True)):
        checkout["allow_remainder"] = remainder
    pin = child_map(checkout, "pin", "checkout.pin")
    roundtrip.put(pin, "required", form.get("pin", "never"))
    if pin["required"] == "above":
        roundtrip.put(pin, "above_amount", _number(form.get("pin_above"), 0))
    else:
        pin.pop("above_amount", None)


def _number(value: str | None, default: int) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default
