"""The visual editor's shape written into a merchant file round-trip: only what ops changed changes.

Every value goes through bff/ops/roundtrip.py: comments, key order, quoting and flow style survive, a
value equal to the file's is left as written, and a section or FAQ item the form kept (its `src`) is
the same node moved or edited, so its comments and layout stay with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bff.ops import roundtrip
from bff.ops.shape import NotFormShaped, checkout_map, child_map, mapping_at, put_copy, shape_of
from bff.ops.visual_form import COLOURS, LOCALES
from bff.ops.visual_money import parse_yuan


def apply(text: str, shape: dict[str, Any]) -> str:
    """The file's text with the shape put in; NotFormShaped when the file isn't laid out as the form edits."""
    shape_of(text)  # the YAML limits, and the key the form can't edit named
    try:
        document = roundtrip.Document(text)
    except roundtrip.NotRoundTrip as exc:
        raise NotFormShaped("the file is not YAML the form can read") from exc
    data = mapping_at(document.data, "the file")
    brand = child_map(data, "brand", "brand")
    _colours(child_map(brand, "colours", "brand.colours"), shape["colours"])
    if any(shape["dark"].values()) or isinstance(brand.get("dark"), dict):
        _colours(child_map(brand, "dark", "brand.dark"), shape["dark"])
        if not brand["dark"]:
            del brand["dark"]
    _faces(mapping_at(brand.get("card_faces"), "brand.card_faces"), shape["faces"])
    _sections(data, shape["sections"])
    _copy(data, shape["copy"])
    if shape["bind_method"]:
        roundtrip.put(
            child_map(child_map(data, "flows", "flows"), "bind", "flows.bind"), "method", shape["bind_method"]
        )
    checkout = checkout_map(data)
    if checkout and shape["checkout"]:
        _checkout_rules(checkout[0], shape["checkout"])
    return document.dump()


def _colours(target: dict[str, Any], values: dict[str, str]) -> None:
    for key in COLOURS:
        if values.get(key):
            roundtrip.put(target, key, values[key].lower())
        else:
            target.pop(key, None)


def _flow_map() -> CommentedMap:
    node = CommentedMap()
    node.fa.set_flow_style()
    return node


def _put_text(parent: dict[str, Any], key: str, zh: str, en: str) -> None:
    """A {zh-CN, en} text; an empty locale is left out (zh-CN is required: the check says so)."""
    node = parent.get(key)
    if not isinstance(node, dict):
        node = parent[key] = _flow_map()
    for locale, value in zip(LOCALES, (zh, en), strict=True):
        if value:
            roundtrip.put(node, locale, value)
        else:
            node.pop(locale, None)


def _faces(faces: dict[str, Any], shapes: list[dict[str, str]]) -> None:
    for face in shapes:
        node = faces.get(face["key"])
        if not isinstance(node, dict):
            continue  # the form edits the card types the file has; a new type is added in the raw editor
        _put_text(node, "label", face["zh"], face["en"])
        roundtrip.put(node, "background", face["background"].lower())
        roundtrip.put(node, "text", face["text"].lower())


def _reuse(nodes: list[Any], src: str, kind: str | None, used: set[int]) -> Any | None:
    """The node the form row came from, when it names one of the right kind not used yet."""
    index = int(src) if src.isdigit() else -1
    if not 0 <= index < len(nodes) or index in used or not isinstance(nodes[index], dict):
        return None
    if kind is not None and nodes[index].get("type") != kind:
        return None
    used.add(index)
    return nodes[index]


def _rebuild(seq: list[Any], new: list[Any]) -> None:
    if [id(n) for n in new] != [id(n) for n in seq]:
        seq[:] = new


def _sections(data: dict[str, Any], shapes: list[dict[str, Any]]) -> None:
    wallet = child_map(child_map(data, "pages", "pages"), "wallet", "pages.wallet")
    if not isinstance(wallet.get("sections"), list):
        wallet["sections"] = CommentedSeq()
    sections, used, new = wallet["sections"], set(), []
    for shape in shapes:
        node = _reuse(list(sections), shape["src"], shape["type"], used)
        if node is None:
            node = CommentedMap([("type", shape["type"])])
        if shape["type"] == "notice":
            _notice(node, shape)
        if shape["type"] == "faq":
            _faq(node, shape["items"])
        new.append(node)
    _rebuild(sections, new)


def _notice(node: dict[str, Any], shape: dict[str, str]) -> None:
    _put_text(node, "text", shape["zh"], shape["en"])
    if shape["tone"] != str(node.get("tone", "info")):
        roundtrip.put(node, "tone", shape["tone"])
    for name in ("starts", "ends"):
        value = shape[name]
        if not value:
            node.pop(name, None)
        elif not _same_time(node.get(name), value):
            node[name] = value


def _same_time(old: Any, new: str) -> bool:
    """Whether the file's time (a string, or a datetime YAML read) is the one the form holds."""
    try:
        before = old if isinstance(old, datetime) else datetime.fromisoformat(str(old))
        after = datetime.fromisoformat(new)
    except ValueError:
        return False
    return (before.tzinfo is None) == (after.tzinfo is None) and before == after


def _faq(node: dict[str, Any], items: list[dict[str, str]]) -> None:
    if not isinstance(node.get("items"), list):
        node["items"] = CommentedSeq()
    seq, used, new = node["items"], set(), []
    for item in items:
        target = _reuse(list(seq), item["src"], None, used)
        if target is None:
            target = CommentedMap()
        _put_text(target, "question", item["q_zh"], item["q_en"])
        _put_text(target, "answer", item["a_zh"], item["a_en"])
        new.append(target)
    _rebuild(seq, new)


def _copy(data: dict[str, Any], rows: list[dict[str, str]]) -> None:
    """Copy overrides per locale from the form's rows (a row without a key or a text is dropped)."""
    texts = {
        loc: {r["key"]: r["text"] for r in rows if r["locale"] == loc and r["key"] and r["text"]} for loc in LOCALES
    }
    put_copy(data, texts)


def _checkout_rules(checkout: dict[str, Any], rules: dict[str, Any]) -> None:
    roundtrip.put(checkout, "max_cards", int(rules["max_cards"]))
    if rules["allow_remainder"] != bool(checkout.get("allow_remainder", True)):
        checkout["allow_remainder"] = rules["allow_remainder"]
    pin = child_map(checkout, "pin", "checkout.pin")
    roundtrip.put(pin, "required", rules["pin"])
    if rules["pin"] == "above":
        roundtrip.put(pin, "above_amount", parse_yuan(rules["pin_above"]))
    else:
        pin.pop("above_amount", None)
