"""A merchant file's problems in the console's language.

The checks pydantic makes itself (a key missing or unknown, a number out of its range, text too long…) are
worded from the console's catalogue (`ops.config.<pydantic error type>`), with their limits filled in; the
checks Kabao's config model makes say what is wrong in their own words, as the CLI prints them.
"""

from __future__ import annotations

from bff.merchants.loader import ConfigProblem
from bff.ops.language import console_locale, ops_said, ops_text
from bff.ops.phrases import catalogue

PREFIX = "ops.config."


def problem_words(problem: ConfigProblem) -> str:
    """What is wrong, in this request's console language where the catalogue words that kind of problem."""
    key = PREFIX + problem.kind
    if not problem.kind or key not in catalogue(console_locale()):
        return ops_said(problem.message)  # a Phrase (the desk's own problems) is worded too
    try:
        return ops_text(key, **dict(problem.values))
    except KeyError:  # a limit the wording names but this error didn't carry
        return ops_said(problem.message)
