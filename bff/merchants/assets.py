"""Pictures a merchant file points at (logo, card-face art): where they may live and what they are served as."""

from __future__ import annotations

from pathlib import Path

# SVG only as a logo reviewed in git; the console uploads raster pictures only (bff/ops/uploads.py)
MIMETYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
LOGO_SUFFIXES = frozenset(MIMETYPES)
ART_SUFFIXES = frozenset(MIMETYPES) - {".svg"}


def asset_path(config_dir: Path, relative: str, suffixes: frozenset[str] = LOGO_SUFFIXES) -> Path | None:
    """The file a merchant file names, when it is one of suffixes inside the config dir; else None."""
    path = (config_dir / relative).resolve()
    if path.suffix.lower() not in suffixes or not path.is_relative_to(config_dir.resolve()):
        return None
    return path


def problem_of(config_dir: Path, relative: str, suffixes: frozenset[str]) -> str | None:
    """Why a merchant file can't point at this picture, or None when it can."""
    path = asset_path(config_dir, relative, suffixes)
    if path is None:
        kinds = ", ".join(sorted(s.lstrip(".") for s in suffixes if s != ".jpeg"))
        return f"must be a file of {kinds} in the config dir"
    if not path.is_file():
        return f"file {relative} does not exist"
    return None
