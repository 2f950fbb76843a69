"""Where a form may send the shopper next: only a path on this site, judged as a browser would read it."""

from __future__ import annotations

from urllib.parse import urlsplit


def same_site_path(target: str) -> str | None:
    """target when it is a plain path on this site, else None.

    Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
    "/\\t/evil.example/" and "/\\\\evil.example" both mean "//evil.example": another site. Anything
    but printable ASCII without backslashes is refused outright, then what is left must be a path
    that is not scheme-relative.
    """
    if not target or any(not ("!" <= ch <= "~") or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None
