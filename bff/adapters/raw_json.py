"""The exact text of each top-level member of a JSON object, as a platform that signs a member's raw text needs.

Some gateways sign not their whole answer but one member of it, as it was written (open-API gateways:
`{"x_response": {…}, "sign": "…"}` signs the text of `{…}`). Re-serialising the parsed value would
change spacing, key order or escapes, so the text is cut out of the answer with the standard
library's own JSON decoder, which also says where each value ends.
"""

from __future__ import annotations

import fnmatch
import json
import re
from json.decoder import scanstring

SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def members(text: str) -> dict[str, str]:
    """Each top-level member's name and raw value text; ValueError unless text is one JSON object without repeats."""
    i = _skip(text, 0)
    if text[i : i + 1] != "{":
        raise ValueError("the answer is not a JSON object")
    found: dict[str, str] = {}
    i = _skip(text, i + 1)
    while text[i : i + 1] != "}" or found:
        if text[i : i + 1] != '"':
            raise ValueError("a member name was expected")
        name, i = scanstring(text, i + 1)
        i = _skip(text, i)
        if text[i : i + 1] != ":":
            raise ValueError("':' was expected")
        start = _skip(text, i + 1)
        _, end = _DECODER.raw_decode(text, start)
        if name in found:  # a parser keeps one of two values: which one was signed can't be told
            raise ValueError(f"the member {name!r} is repeated")
        found[name] = text[start:end]
        i = _skip(text, end)
        if text[i : i + 1] == "}":
            break
        if text[i : i + 1] != ",":
            raise ValueError("',' or '}' was expected")
        i = _skip(text, i + 1)
    if _skip(text, i + 1) != len(text):
        raise ValueError("text after the answer's object")
    return found


def member(text: str, pattern: str) -> tuple[str, str]:
    """The one top-level member whose name matches pattern (a glob such as '*_response'): its name and raw text."""
    matching = [(name, raw) for name, raw in members(text).items() if fnmatch.fnmatchcase(name, pattern)]
    if len(matching) != 1:
        raise ValueError(f"{len(matching)} members of the answer match {pattern!r}, not one")
    return matching[0]


def _skip(text: str, i: int) -> int:
    match = SPACE.match(text, i)
    return match.end() if match else i
