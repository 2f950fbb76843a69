"""Both colour schemes of a brand: the light one as configured, the dark one as configured or derived.

A scheme is the set of CSS custom properties brand.css writes; every pair a shopper reads text on is
checked against WCAG AA (4.5:1), so a brand can't ship a dark mode nobody can read.
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from dataclasses import dataclass

from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio

WHITE, INK = "#ffffff", "#111111"
DARK_DEFAULTS = {"background": "#121316", "surface": "#1e2024", "text": "#e8eaed"}
NOTICE_TINT = 0.14  # how much of the primary colour tints notices over the surface

# (foreground, background, what a shopper reads there)
READ_PAIRS = (
    ("on_primary", "primary", "on_primary on primary (top bar, buttons, total)"),
    ("text", "surface", "text on surface"),
    ("text", "background", "text on background"),
    ("primary", "surface", "primary (links, amounts) on surface"),
    ("primary", "background", "primary (links) on background"),
    ("text", "notice_bg", "text on notices (primary tint)"),
)


@dataclass(frozen=True)
class Problem:
    """One unreadable pair: which colours, how bad, and the configured keys that could fix it."""

    what: str
    ratio: float
    keys: tuple[str, ...]

    def message(self, scheme: str) -> str:
        return (
            f"{scheme}: {self.what}: contrast {self.ratio:.2f}:1 is below {MIN_TEXT_CONTRAST}:1, "
            "text would be unreadable"
        )


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def mix(a: str, b: str, share_of_a: float) -> str:
    """The colour share_of_a of the way from b to a, as '#rrggbb'."""
    channels = (round(x * share_of_a + y * (1 - share_of_a)) for x, y in zip(_rgb(a), _rgb(b), strict=True))
    return "#" + "".join(f"{c:02x}" for c in channels)


def _with_lightness(colour: str, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*(c / 255 for c in _rgb(colour)))
    return "#" + "".join(f"{round(c * 255):02x}" for c in colorsys.hls_to_rgb(h, lightness, s))


def _lighten_until_readable(colour: str, *grounds: str) -> str:
    """The same hue made just light enough to read on every ground (white always reads on dark ones)."""
    _, start, _ = colorsys.rgb_to_hls(*(c / 255 for c in _rgb(colour)))
    for step in range(51):
        candidate = _with_lightness(colour, min(1.0, start + step * 0.02))
        if all(contrast_ratio(candidate, g) >= MIN_TEXT_CONTRAST for g in grounds):
            return candidate
    return WHITE


def _readable_on(ground: str, preferred: str) -> str:
    """preferred when it reads on ground, else white or ink, whichever reads better."""
    if contrast_ratio(preferred, ground) >= MIN_TEXT_CONTRAST:
        return preferred
    return max((WHITE, INK), key=lambda c: contrast_ratio(c, ground))


def link_on_white(primary: str) -> str:
    """The brand's link colour for panels that stay white in either scheme (the pay code)."""
    return _readable_on(WHITE, primary)


def with_tints(colours: Mapping[str, str]) -> dict[str, str]:
    """A scheme's colours plus the ones computed from them (the notice tint)."""
    scheme = dict(colours)
    scheme["notice_bg"] = mix(scheme["primary"], scheme["surface"], NOTICE_TINT)
    return scheme


def dark_scheme(light: Mapping[str, str], given: Mapping[str, str | None]) -> dict[str, str]:
    """The dark scheme: what config gives, the rest derived from the light brand colours."""
    chosen = {k: v for k, v in given.items() if v}
    scheme = {k: chosen.get(k, v) for k, v in DARK_DEFAULTS.items()}
    scheme["primary"] = chosen.get("primary") or _lighten_until_readable(
        light["primary"], scheme["surface"], scheme["background"]
    )
    scheme["on_primary"] = chosen.get("on_primary") or _readable_on(scheme["primary"], light["on_primary"])
    return with_tints(scheme)


def problems(scheme: Mapping[str, str], given: Mapping[str, str | None] | None = None) -> list[Problem]:
    """Every pair of the scheme that is too faint to read; keys are the configured ones involved."""
    found = []
    for fg, bg, what in READ_PAIRS:
        ratio = contrast_ratio(scheme[fg], scheme[bg])
        if ratio < MIN_TEXT_CONTRAST:
            involved = (fg, "primary", "surface") if bg == "notice_bg" else (fg, bg)
            keys = tuple(k for k in involved if given is None or given.get(k))
            found.append(Problem(what, ratio, keys))
    return found


CSS_OF = {
    "primary": "--primary",
    "on_primary": "--on-primary",
    "background": "--bg",
    "surface": "--surface",
    "text": "--text",
    "notice_bg": "--notice-bg",
}
LINK_ON_WHITE = "--link-on-white"
# every custom property brand.css may write (the console's preview stylesheet accepts these alone)
CSS_NAMES = frozenset({*CSS_OF.values(), "--notice-text", LINK_ON_WHITE})


def css_variables(scheme: Mapping[str, str]) -> dict[str, str]:
    """The custom properties brand.css writes for a scheme."""
    variables = {css: scheme[key] for key, css in CSS_OF.items()}
    variables["--notice-text"] = scheme["text"]
    return variables
