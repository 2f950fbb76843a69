"""Access logs without secrets: gunicorn's (kabao serve) and werkzeug's (kabao demo) log redacted targets."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler

from bff.security.redaction import redact_path, redact_query, redact_target

_URL_KEYS = ("RAW_URI", "REQUEST_URI", "HTTP_REFERER")


class RedactingGunicornLogger(Logger):
    """gunicorn's logger, fed a copy of the request with tokens blanked (and anything posing as a card handle)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        clean = dict(environ)
        for key in _URL_KEYS:
            if key in clean:
                clean[key] = redact_target(str(clean[key]))
        clean["PATH_INFO"] = redact_path(str(environ.get("PATH_INFO", "")))
        clean["QUERY_STRING"] = redact_query(str(environ.get("QUERY_STRING", "")))
        atoms = super().atoms(resp, req, clean, request_time)
        for key in ("{referer}i", "{location}o"):  # header atoms come from the request and response themselves
            if key in atoms:
                atoms[key] = redact_target(str(atoms[key]))
        return atoms


class RedactingRequestHandler(WSGIRequestHandler):
    """werkzeug's dev-server handler, logging the request line redacted as gunicorn's is."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # the environ was built from the path already; what is left of it here only feeds the log line
        if getattr(self, "path", None):
            self.path = redact_target(self.path)
        method, _, rest = self.requestline.partition(" ")
        target, _, protocol = rest.rpartition(" ")
        if target:
            self.requestline = f"{method} {redact_target(target)} {protocol}"
        super().log_request(code, size)
