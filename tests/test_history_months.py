"""History without a card system: month edges in the merchant's zone, sums, partial months, paging, row fields."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bff.adapters.standard import parse_transaction_page
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import Transaction, TransactionPage, TxnKind
from bff.wallet.history import MAX_PAGES, Shown, load, months, newly_shown, page_context

SHANGHAI = ZoneInfo("Asia/Shanghai")


def txn(txn_id: str, kind: TxnKind, amount: int, when: str) -> Transaction:
    return Transaction(txn_id, kind, amount, None, datetime.fromisoformat(when), "")


class PagedHistory:
    """A card system's history in pages of `size`; `down_from` makes that page and later ones fail."""

    def __init__(self, rows: list[Transaction], size: int, down_from: int | None = None) -> None:
        self.rows, self.size, self.down_from, self.calls = rows, size, down_from, 0

    def transactions(self, user_id: str, card_id: str, cursor: str | None, limit: int) -> TransactionPage:
        self.calls += 1
        start = int(cursor or 0)
        if self.down_from is not None and start // self.size + 1 >= self.down_from:
            raise CardSystemUnavailable("down")
        end = start + self.size
        return TransactionPage(tuple(self.rows[start:end]), str(end) if end < len(self.rows) else None)


ROWS = [
    txn("t6", TxnKind.REFUND, 1500, "2026-11-20T02:00:00+00:00"),
    txn("t5", TxnKind.REVERSAL, 2000, "2026-11-10T02:00:00+00:00"),
    txn("t4", TxnKind.PAYMENT, -2000, "2026-11-10T01:00:00+00:00"),
    txn("t3", TxnKind.PAYMENT, -3450, "2026-10-31T17:30:00+00:00"),  # 1 November 01:30 in Shanghai
    txn("t2", TxnKind.PAYMENT, -1000, "2026-10-31T15:00:00+00:00"),  # 31 October 23:00 in Shanghai
    txn("t1", TxnKind.TOPUP, 10000, "2026-10-01T01:00:00+00:00"),
]


def test_months_follow_the_merchants_time_zone_and_sum_spending_less_voids_and_refunds():
    found = months(ROWS, Shown.ALL, SHANGHAI, more=False)
    assert [(m.key, [t.txn_id for t in m.rows]) for m in found] == [
        ("2026-11", ["t6", "t5", "t4", "t3"]),
        ("2026-10", ["t2", "t1"]),
    ]
    assert [(m.spent, m.refunded, m.partial) for m in found] == [(3450, 1500, False), (1000, 0, False)]


def test_only_the_oldest_month_is_partial_while_older_pages_remain():
    assert [m.partial for m in months(ROWS, Shown.ALL, SHANGHAI, more=True)] == [False, True]


def test_a_filter_keeps_the_months_sums_of_all_rows_and_drops_months_without_a_shown_row():
    found = months(ROWS, Shown.REFUNDS, SHANGHAI, more=False)
    assert [(m.key, [t.txn_id for t in m.rows], m.spent) for m in found] == [("2026-11", ["t6"], 3450)]
    assert [t.txn_id for m in months(ROWS, Shown.PAYMENTS, SHANGHAI, False) for t in m.rows] == ["t5", "t4", "t3", "t2"]
    assert Shown.from_query("nonsense") is Shown.ALL and Shown.from_query("topups") is Shown.TOPUPS


def test_loading_pages_from_the_newest_marks_where_the_new_page_starts():
    card_system = PagedHistory(ROWS, size=2)
    loaded = load(card_system, "u1", "c1", pages=2, page_size=2)
    assert [t.txn_id for t in loaded.transactions] == ["t6", "t5", "t4", "t3"] and loaded.more
    assert [t.txn_id for t in newly_shown(loaded, Shown.ALL)] == ["t4", "t3"]
    assert card_system.calls == 2
    everything = load(PagedHistory(ROWS, size=2), "u1", "c1", pages=9, page_size=2)
    assert everything.pages == 3 and not everything.more


def test_an_older_page_that_fails_keeps_the_newer_ones_and_a_first_page_that_fails_is_nothing():
    broken = load(PagedHistory(ROWS, size=2, down_from=2), "u1", "c1", pages=3, page_size=2)
    assert broken.broken and broken.more and [t.txn_id for t in broken.transactions] == ["t6", "t5"]
    assert load(PagedHistory(ROWS, size=2, down_from=1), "u1", "c1", pages=3, page_size=2) is None


def test_the_pages_asked_for_are_capped():
    card_system = PagedHistory([txn(f"t{i}", TxnKind.TOPUP, 1, "2026-11-01T00:00:00+00:00") for i in range(100)], 1)
    assert load(card_system, "u1", "c1", pages=10_000, page_size=1).pages == MAX_PAGES == card_system.calls


def test_a_naive_time_is_read_as_utc():
    naive = txn("t", TxnKind.PAYMENT, -1, "2026-10-31T17:30:00")
    assert months([naive], Shown.ALL, SHANGHAI, False)[0].key == "2026-11"


def test_the_standard_answers_optional_store_order_and_languages_are_read_and_checked():
    row = {"txn_id": "t1", "kind": "PAYMENT", "amount": -100, "created_at": "2026-11-01T00:00:00+00:00"}
    row |= {
        "description": "门店消费",
        "descriptions": {"en": "In-store purchase"},
        "store": "静安寺店",
        "order_id": "o-1",
    }
    txn = parse_transaction_page({"transactions": [row], "next_cursor": None}).transactions[0]
    assert (txn.store, txn.order_id, txn.description_in("en"), txn.description_in("zh-CN")) == (
        "静安寺店",
        "o-1",
        "In-store purchase",
        "门店消费",
    )
    for bad in ({"store": 7}, {"descriptions": ["en"]}, {"descriptions": {"en": 1}}):
        with pytest.raises(ValueError):
            parse_transaction_page({"transactions": [row | bad], "next_cursor": None})


def test_a_failed_older_page_announces_no_new_rows_and_focuses_none_already_seen():
    broken = load(PagedHistory(ROWS, size=2, down_from=3), "u1", "c1", pages=3, page_size=2)
    context = page_context(broken, Shown.ALL, SHANGHAI)
    assert broken.pages == 2 and broken.broken and (context["added"], context["first_new"]) == (0, None)
    grown = page_context(load(PagedHistory(ROWS, size=2), "u1", "c1", pages=2, page_size=2), Shown.ALL, SHANGHAI)
    assert (grown["added"], grown["first_new"], grown["shown_count"]) == (2, "t4", 4)
