"""WCAG colour contrast, used to refuse brand colours that make text unreadable."""

from __future__ import annotations

MIN_TEXT_CONTRAST = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    """Relative luminance of '#rrggbb' as WCAG 2 defines it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    """Contrast ratio between two '#rrggbb' colours, from 1 to 21."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _blend(top: str, alpha: float, under: int) -> str:
    """top laid at alpha over a grey of value under (0 black, 255 white), as '#rrggbb'."""
    channels = (int(top[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(alpha * c + (1 - alpha) * under):02x}" for c in channels)


def scrim_over_any_picture(background: str, text: str) -> str:
    """The face colour at the lowest opacity (in steps of 5%) that keeps text readable over ANY picture under it.

    A picture's pixels are at worst black or white (luminance is monotonic in each channel), so text that holds
    MIN_TEXT_CONTRAST over the veil on both holds it everywhere; at full opacity it is the face colour itself.
    """
    for step in range(10, 21):
        alpha = step / 20
        if all(contrast_ratio(text, _blend(background, alpha, under)) >= MIN_TEXT_CONTRAST for under in (0, 255)):
            break
    r, g, b = (int(background[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:.2f})"
