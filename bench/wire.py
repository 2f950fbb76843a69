"""Bytes on the wire for a first and a repeat visit of a page, as a browser with a warm HTTP cache would fetch them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

ACCEPT = {"Accept-Encoding": "gzip, deflate, br, zstd"}
SUBRESOURCE = re.compile(r'<(?:link rel="stylesheet"|script|img)[^>]*?(?:href|src)="(/[^"]+)"')


def _reusable(headers) -> bool:
    """Whether a browser may use its cached copy without asking (fresh for a long time)."""
    rules = headers.get("Cache-Control", "")
    return "immutable" in rules or bool(re.search(r"max-age=[1-9]\d{3,}", rules))


def _size(response) -> int:
    head = sum(len(k) + len(v) + 4 for k, v in response.headers.items())
    return head + len(response.get_data())


def visits(client: FlaskClient, path: str) -> tuple[int, int, int, int]:
    """(first-visit bytes, requests; repeat-visit bytes, requests) for a page and what it links to."""
    page = client.get(path, headers=ACCEPT)
    assert page.status_code == 200, (path, page.status_code)
    html = client.get(path).get_data(as_text=True)
    first_bytes, first_requests = _size(page), 1
    repeat_bytes, repeat_requests = _size(page), 1
    for url in dict.fromkeys(SUBRESOURCE.findall(html.replace("&amp;", "&"))):
        with client.get(url, headers=ACCEPT) as response:
            size = _size(response)
            first_bytes, first_requests = first_bytes + size, first_requests + 1
            if not _reusable(response.headers):  # the browser asks again, conditionally
                again = {**ACCEPT, "If-None-Match": response.headers.get("ETag", "")}
                again["If-Modified-Since"] = response.headers.get("Last-Modified", "")
                with client.get(url, headers={k: v for k, v in again.items() if v}) as revalidated:
                    repeat_bytes, repeat_requests = repeat_bytes + _size(revalidated), repeat_requests + 1
    return first_bytes, first_requests, repeat_bytes, repeat_requests
