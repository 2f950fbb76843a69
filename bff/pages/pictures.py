"""Send a merchant's logo or card-face art: only a picture its merchant file names, inside the config dir."""

from __future__ import annotations

from pathlib import Path

from flask import abort, send_file
from werkzeug.wrappers import Response

from bff.merchants import assets

YEAR = 365 * 24 * 3600


def picture(config_dir: Path, relative: str | None, suffixes: frozenset[str]) -> Response:
    """The file a merchant file names, its type from its suffix (its content was checked on upload), else 404."""
    path = assets.asset_path(config_dir, relative, suffixes) if relative else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype=assets.MIMETYPES[path.suffix.lower()], max_age=YEAR)
