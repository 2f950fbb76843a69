"""What the visual editor shows beside the form: the contrast of every colour pair, the texts ops may override.

Contrast is worked out from the form's colours as typed (not from a valid file), with the same pairs and
the same 4.5:1 rule the merchant model enforces (bff/merchants/palette.py), so ops see why a save would
be refused while they pick the colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from bff.i18n import DEFAULT_LOCALE, catalogue
from bff.merchants import palette
from bff.merchants.brand import Colours
from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio
from bff.ops.visual_form import HEX

LIGHT_DEFAULTS = {k: str(Colours.model_fields[k].default) for k in ("background", "surface", "text")}


@dataclass(frozen=True)
class Pair:
    scheme: str  # "light", "dark" or "face"
    what: str  # the ops.editor.pair.* key, or a card face's key
    foreground: str
    background: str
    ratio: float

    @property
    def readable(self) -> bool:
        return self.ratio >= MIN_TEXT_CONTRAST


def schemes(shape: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Both colour schemes the form's colours make (the dark one derived where left empty); {} if not colours."""
    light = {**LIGHT_DEFAULTS, **{k: v.lower() for k, v in shape["colours"].items() if v}}
    if not all(HEX.fullmatch(light.get(k, "")) for k in palette.DARK_DEFAULTS.keys() | {"primary", "on_primary"}):
        return {}
    dark_given = {k: (v.lower() if HEX.fullmatch(v) else None) for k, v in shape["dark"].items()}
    return {"light": palette.with_tints(light), "dark": palette.dark_scheme(light, dark_given)}


def contrast(shape: dict[str, Any]) -> list[Pair]:
    """Every pair a shopper reads text on, in both schemes and on every card face (colours not #rrggbb skipped)."""
    pairs = [
        Pair(name, f"ops.editor.pair.{fg}.{bg}", scheme[fg], scheme[bg], contrast_ratio(scheme[fg], scheme[bg]))
        for name, scheme in schemes(shape).items()
        for fg, bg, _what in palette.READ_PAIRS
    ]
    return pairs + _faces(shape)


def _faces(shape: dict[str, Any]) -> list[Pair]:
    return [
        Pair("face", face["key"], face["text"], face["background"], contrast_ratio(face["text"], face["background"]))
        for face in shape["faces"]
        if HEX.fullmatch(face["text"]) and HEX.fullmatch(face["background"])
    ]


@cache
def copy_keys() -> tuple[tuple[str, str, str], ...]:
    """Every shopper text ops may override: its key, and its default text in zh-CN and English."""
    zh, en = catalogue(DEFAULT_LOCALE), catalogue("en")
    return tuple((key, zh[key], en.get(key, "")) for key in sorted(zh))


def defaults(key: str) -> tuple[str, str]:
    """A text's default in zh-CN and English ("" for a key that is not a shopper text)."""
    return catalogue(DEFAULT_LOCALE).get(key, ""), catalogue("en").get(key, "")
