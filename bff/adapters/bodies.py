"""A dialect's bodies as bytes: JSON, form or XML requests in its charset, and its answers read back.

XML answers are read with defusedxml (a DTD, an entity, an XML bomb is refused) and then xmltodict;
every problem reading an answer is a ValueError, which the HTTP client treats as unknown.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import defusedxml.ElementTree
import xmltodict

CONTENT_TYPES = {"json": "application/json", "form": "application/x-www-form-urlencoded", "xml": "text/xml"}
NEEDS_CDATA = re.compile(r"[<>&]")


class BodyCodec:
    """Writes request bodies and queries, and reads answers, as one dialect's encoding and charset say."""

    def __init__(self, encoding: str = "json", charset: str = "utf-8", xml_root: str = "xml") -> None:
        self.encoding = encoding
        self.charset = charset
        self.xml_root = xml_root

    def content_type(self) -> str:
        kind = CONTENT_TYPES[self.encoding]
        if self.encoding == "xml" or self.charset != "utf-8":
            return f"{kind}; charset={self.charset.upper()}"
        return kind  # as before for UTF-8 JSON and form bodies

    def body(self, params: dict[str, Any]) -> bytes:
        if self.encoding == "form":
            return urlencode(params, encoding=self.charset).encode("ascii")
        if self.encoding == "xml":
            return self.text_bytes(f"<{self.xml_root}>{xml_elements(params)}</{self.xml_root}>")
        return self.text_bytes(json.dumps(params, ensure_ascii=False, separators=(",", ":")))

    def query(self, params: dict[str, Any]) -> str:
        return urlencode(params, encoding=self.charset)

    def text_bytes(self, text: str) -> bytes:
        """Text as the bytes it is sent or signed as (surrogate escapes give back bytes that weren't text)."""
        return text.encode(self.charset, "surrogateescape")

    def bytes_text(self, raw: bytes) -> str:
        return raw.decode(self.charset, "surrogateescape")

    def answer(self, raw: bytes) -> Any:
        """The answer as data; ValueError when it isn't one in this dialect's encoding and charset."""
        try:
            text = raw.decode("utf-8-sig" if self.charset == "utf-8" else self.charset)  # a BOM is no content
        except UnicodeDecodeError:
            raise ValueError(f"answer is not {self.charset} text") from None
        if self.encoding != "xml":
            return json.loads(text)
        try:
            defusedxml.ElementTree.fromstring(text, forbid_dtd=True)  # refuses DTDs, entities, bombs
            document = xmltodict.parse(text, disable_entities=True)
        except (SyntaxError, ExpatError) as exc:  # ElementTree's ParseError is a SyntaxError
            raise ValueError(f"answer is not XML: {exc}") from None
        return next(iter(document.values())) or {}  # the root element's content: <xml>…</xml>


def xml_elements(value: dict[str, Any]) -> str:
    """Elements for a mapping: nested mappings nest, lists repeat the element, text goes in CDATA if needed."""
    parts = []
    for name, item in value.items():
        for one in item if isinstance(item, list) else [item]:
            parts.append(f"<{name}>{_xml_content(one)}</{name}>")
    return "".join(parts)


def _xml_content(value: Any) -> str:
    if isinstance(value, dict):
        return xml_elements(value)
    if isinstance(value, bool):
        value = "true" if value else "false"
    text = str(value)
    if NEEDS_CDATA.search(text):
        return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
    return escape(text)
