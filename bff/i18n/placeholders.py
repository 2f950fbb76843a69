"""Texts with named placeholders only: {amount} is filled in; {amount.__class__}, {0} or {x!r} never are.

str.format would follow attributes and indexes of the values it is given, and ops write override
texts: so texts are parsed here and filled in by name, with nothing else evaluated.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping

_PARSER = string.Formatter()


class BadText(ValueError):
    """A text that is not literal text and named placeholders, or names a value it is not given."""


def _parts(text: str) -> Iterator[tuple[str, str | None]]:
    try:
        parsed = list(_PARSER.parse(text))
    except ValueError as exc:
        raise BadText(f"braces don't pair up ({exc}); write {{{{ and }}}} for literal braces") from None
    for literal, field, spec, conversion in parsed:
        if field is not None and (not field.isidentifier() or spec or conversion):
            shown = field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            raise BadText(f"{{{shown}}} is not a plain placeholder such as {{amount}}")
        yield literal, field


def placeholders(text: str) -> set[str]:
    """The names a text fills in; raise BadText if it uses anything but plain {name} placeholders."""
    return {field for _, field in _parts(text) if field is not None}


def fill(text: str, values: Mapping[str, object]) -> str:
    """The text with each {name} replaced by str(values[name]); raise BadText on anything else."""
    out = []
    for literal, field in _parts(text):
        out.append(literal)
        if field is not None:
            if field not in values:
                raise BadText(f"{{{field}}} is not a value this text is given")
            out.append(str(values[field]))
    return "".join(out)
