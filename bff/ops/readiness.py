"""Is a merchant ready to go live? Not with the template's placeholder name, its default colours, or no logo.

The model accepts a scaffolded file (it is valid YAML with valid values), so these checks run only when a
draft is published: each refusal says what to change.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from bff.merchants.yaml_limits import load_yaml
from bff.ops.phrases import Phrase


@cache
def _template_brand() -> dict[str, Any]:
    text = resources.files("bff.merchants").joinpath("template.yaml").read_text("utf-8")
    return load_yaml(text.replace("{merchant_id}", "template"))["brand"]


def _brand(text: str) -> dict[str, Any]:
    data = load_yaml(text)
    brand = data.get("brand") if isinstance(data, dict) else None
    return brand if isinstance(brand, dict) else {}


def not_ready(text: str) -> list[str]:
    """What keeps a (valid) merchant file from going live, for ops to read; empty when it is ready."""
    brand, template = _brand(text), _template_brand()
    reasons = []
    name = brand.get("name") if isinstance(brand.get("name"), dict) else {}
    placeholders = [loc for loc, value in template["name"].items() if str(name.get(loc, "")).strip() == value]
    if placeholders:
        reasons.append(Phrase("ops.ready.name", locales=", ".join(placeholders)))
    colours = brand.get("colours") if isinstance(brand.get("colours"), dict) else {}
    if all(str(colours.get(k, "")).lower() == str(v).lower() for k, v in template["colours"].items()):
        reasons.append(Phrase("ops.ready.colours"))
    if not str(brand.get("logo") or "").strip():
        reasons.append(Phrase("ops.ready.logo"))
    return reasons
