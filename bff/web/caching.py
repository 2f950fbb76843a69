"""What crosses the wire: compressed responses, fingerprinted files cached for good, balance pages never.

Static files are linked as /static/<file>?v=<content hash> (render.static_url); when the hash in the URL is
the file's current one, the answer may be kept a year and never revalidated (`immutable`), so a repeat
visit asks for none of them. An old or missing hash gets the current file with `no-cache`.

Back/forward cache: pages that show balances stay `no-store` (render.no_store). A shopper who pays and
goes back must see the balance as it is now, not the page from before the payment; that costs those
pages the browser's back/forward cache, a price we accept. Other pages may use it.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

from bff.web.render import static_version

IMMUTABLE = "public, max-age=31536000, immutable"

compress = Compress()


def init_app(app: Flask) -> None:
    """Compress HTML, CSS, JS and JSON (zstd, brotli or gzip, whichever the browser takes), cache static files."""
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    compress.init_app(app)
    app.after_request(_cache_static)  # registered after Compress's hook, so it runs before it


def _cache_static(response: Response) -> Response:
    if request.endpoint != "static" or response.status_code not in (200, 304):
        return response
    filename = (request.view_args or {}).get("filename", "")
    given = request.args.get("v")
    try:
        current = static_version(filename)
    except OSError:
        return response
    if response.status_code == 200 and response.direct_passthrough:
        # read the (small) file whole, so it is compressed like a page, gzip included, and closed at once
        response.direct_passthrough = False
        response.set_data(response.get_data())
    if given and given == current:
        response.headers["Cache-Control"] = IMMUTABLE
        response.headers.pop("Expires", None)
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response
