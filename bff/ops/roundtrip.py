"""Merchant YAML edited round-trip: what ops didn't change keeps its comments, key order, quoting and style.

ruamel.yaml reads the file into mappings that remember their comments and layout and writes it back the
same way; a value is only replaced when it really changed, in the quoting it had. The text must have passed
the limits of bff/merchants/yaml_limits.py first (a draft is untrusted input).
"""

from __future__ import annotations

import io
from difflib import SequenceMatcher
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from ruamel.yaml.util import load_yaml_guess_indent

MAPPING_INDENT = 2  # as every merchant file and the template are written
WIDTH = 4096  # never fold a long line ops wrote on one line


class NotRoundTrip(ValueError):
    """ruamel.yaml can't read the text (after PyYAML could): the form leaves it to the raw editor."""


def _yaml(sequence: int, offset: int) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.preserve_quotes = True
    yaml.width = WIDTH
    yaml.indent(mapping=MAPPING_INDENT, sequence=sequence, offset=offset)
    return yaml


class Document:
    """A loaded file and how to write it back in its own indentation."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            _, sequence, offset = load_yaml_guess_indent(text)  # how the file indents its lists (a guess)
            guessed = (sequence or MAPPING_INDENT, offset or 0)
            self.yaml, self.data, self.unchanged = self._read(*guessed)
            if self.unchanged != text:  # a comment or a flow mapping misled the guess: take the closest style
                reads = [self._read(*style) for style in {(4, 2), (2, 0)} - {guessed}]
                reads.append((self.yaml, self.data, self.unchanged))
                self.yaml, self.data, self.unchanged = min(reads, key=lambda read: _distance(text, read[2]))
        except (YAMLError, ValueError, TypeError) as exc:
            raise NotRoundTrip(str(exc)) from exc

    def _read(self, sequence: int, offset: int) -> tuple[YAML, Any, str]:
        yaml = _yaml(sequence, offset)
        data = yaml.load(self.text)
        out = io.StringIO()
        yaml.dump(data, out)
        return yaml, data, out.getvalue()

    def _dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()

    def dump(self) -> str:
        """The file with the changes made to data; lines ruamel would re-flow (long flow mappings) stay as written."""
        return carry(self.text, self.unchanged, self._dump())


def _distance(original: str, dump: str) -> int:
    """How many lines of original a dump writes differently."""
    matcher = SequenceMatcher(None, original.splitlines(), dump.splitlines(), autojunk=False)
    return len(original.splitlines()) - sum(block.size for block in matcher.get_matching_blocks())


def carry(original: str, before: str, after: str) -> str:
    """The line changes from before to after, made in original (of which before is a re-serialisation).

    When a change touches a line that was re-flowed, or the result would not read as after does, after.
    """
    if before == original:
        return after
    orig, base, new = (t.splitlines(keepends=True) for t in (original, before, after))
    to_orig = {}
    for block in SequenceMatcher(None, base, orig, autojunk=False).get_matching_blocks():
        to_orig.update({block.a + k: block.b + k for k in range(block.size)})
    out, cursor = [], 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, base, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        span = _span(to_orig, i1, i2)
        if span is None or span[0] < cursor:
            return after
        out += orig[cursor : span[0]] + new[j1:j2]
        cursor = span[1]
    merged = "".join(out + orig[cursor:])
    return merged if pyyaml.safe_load(merged) == pyyaml.safe_load(after) else after


def _span(to_orig: dict[int, int], i1: int, i2: int) -> tuple[int, int] | None:
    """The lines of original that base lines i1..i2 are, when they are there one for one."""
    if i1 == i2:  # an insertion: after the line before it
        if i1 == 0:
            return 0, 0
        at = to_orig.get(i1 - 1)
        return None if at is None else (at + 1, at + 1)
    lines = [to_orig.get(i) for i in range(i1, i2)]
    if None in lines or lines != list(range(lines[0], lines[0] + len(lines))):
        return None
    return lines[0], lines[-1] + 1


def put(mapping: dict[str, Any], key: str, value: Any) -> None:
    """mapping[key] = value unless it already holds that value; a changed string keeps its quoting."""
    old = mapping.get(key)
    if key in mapping and str(old) == str(value) and type(value) is not bool and type(old) is not bool:
        return
    if isinstance(old, ScalarString) and isinstance(value, str):
        value = type(old)(value)
    elif old is None and isinstance(value, str) and value.startswith("#"):
        value = DoubleQuotedScalarString(value)  # a colour, quoted the way merchant files quote colours
    mapping[key] = value
