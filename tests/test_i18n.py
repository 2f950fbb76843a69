"""Every shopper-visible text exists in both languages; templates name no missing key."""

from __future__ import annotations

import re
from pathlib import Path

from bff.i18n import catalogue

TEMPLATES = Path(__file__).resolve().parent.parent / "bff" / "templates"


def test_both_languages_have_the_same_texts_and_placeholders():
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert set(zh) == set(en)
    for key in zh:
        assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_literal_key_in_the_templates_exists():
    known = set(catalogue("zh-CN"))
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_.A-Z0-9]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "no keys found: the pattern is wrong"
    prefixes = {key for key in used if key.endswith(".")}  # t("card.status." ~ value): checked below
    assert all(any(k.startswith(p) for k in known) for p in prefixes)
    assert used - prefixes - known == set()


def test_every_card_status_bind_problem_and_failure_has_words():
    from bff.cards.errors import ErrorCode
    from bff.cards.models import CardStatus, TxnKind
    from bff.wallet.binding import BindProblem

    known = set(catalogue("zh-CN"))
    needed = {f"card.status.{s.value}" for s in CardStatus} | {f"txn.kind.{k.value}" for k in TxnKind}
    needed |= {f"bind.problem.{p.value}" for p in BindProblem if p is not BindProblem.NO_MATCH}
    needed |= {f"bind.problem.no_match.{m}" for m in ("password", "sms", "number_only")}
    declines = {"INSUFFICIENT_BALANCE", "WRONG_SECRET", "SECRET_LOCKED", "CARD_FROZEN", "CARD_EXPIRED"}
    needed |= {f"checkout.failure.{c}" for c in declines | {"UNKNOWN", "NOT_FOUND"}}
    assert declines <= {c.value for c in ErrorCode}
    assert needed - known == set()
