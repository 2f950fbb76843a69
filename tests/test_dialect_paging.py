"""Paging mechanisms of the mapping language walk every history row once, and refuse configs that can't."""

from __future__ import annotations

import pytest
import responses
from dialect_fake import NUMBER, UnseenSystem, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemUnavailable

HISTORY = "/history"


def history(paging, params=None):
    params = params or {"cardNo": "{card_number}", "pageNo": "{page}", "pageSize": "{limit}"}
    return {"path": HISTORY, "params": params, "answer": "data.list", "paging": paging}


OFFSET = {"cardNo": "{card_number}", "offset": "{offset}", "pageSize": "{limit}"}


def walk(gateway, card_id, limit):
    """Every page's rows, following Kabao's cursors to the end (at most 50 pages)."""
    pages, cursor = [], None
    for _ in range(50):
        page = gateway.transactions("u1", card_id, cursor, limit)
        pages.append(page.transactions)
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("the walk never ended")


def card_id_of(gateway):
    return gateway.list_cards("u1")[0].card_id


@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("page_has_more", history({"mechanism": "page_has_more", "has_more": "data.hasMore"})),
        ("page_total", history({"mechanism": "page_total", "total": "data.total"})),
        ("offset_total", history({"mechanism": "offset_total", "total": "data.total"}, OFFSET)),
        ("short_page", history({"mechanism": "short_page"})),
        ("short_page_by_offset", history({"mechanism": "short_page", "by": "offset"}, OFFSET)),
    ],
)
@pytest.mark.parametrize("rows", [23, 20, 0])
@responses.activate
def test_each_paging_mechanism_walks_every_row_once_newest_first(name, operation, rows):
    system = UnseenSystem(rows=rows)
    system.install()
    gateway = adapter(dialect(operations={"transactions": operation}))
    pages = walk(gateway, card_id_of(gateway), 10)
    seen = [t.amount for page in pages for t in page]
    assert seen == [-(100 + i) for i in reversed(range(rows))]  # every row, once, in the system's order
    assert all(len(page) <= 10 for page in pages)


@responses.activate
def test_page_has_more_sends_page_numbers_and_the_browser_cursor_is_opaque():
    system = UnseenSystem(rows=23)
    system.install()
    gateway = adapter(dialect())
    card_id = card_id_of(gateway)
    first = gateway.transactions("u1", card_id, None, 10)
    second = gateway.transactions("u1", card_id, first.next_cursor, 10)
    sent = [body["pageNo"] for op, body in system.calls if op == "history"]
    assert sent == [1, 2]
    assert first.next_cursor not in ("2", "1") and second.next_cursor != first.next_cursor
    assert gateway.transactions("u1", card_id, "not-ours", 10).transactions == first.transactions  # first page


@responses.activate
def test_a_total_that_is_not_a_number_is_unknown_not_a_short_history():
    """The old `total: hasMore` read a boolean as the total and silently stopped after page one."""
    UnseenSystem(rows=23).install()
    wrong = history({"mechanism": "page_total", "total": "data.hasMore"})
    gateway = adapter(dialect(operations={"transactions": wrong}))
    with pytest.raises(CardSystemUnavailable):
        gateway.transactions("u1", card_id_of(gateway), None, 10)


@pytest.mark.parametrize(
    ("operation", "problem"),
    [
        ({"path": HISTORY, "params": {"p": "{page}"}, "answer": "data.list", "total": "data.hasMore"}, "moved into"),
        (history({"mechanism": "page_total", "has_more": "data.hasMore"}), "has_more"),
        (history({"mechanism": "page_has_more", "total": "data.total"}), "has_more"),
        (history({"mechanism": "offset_total", "total": "data.total"}), "sends {offset}"),
        (history({"mechanism": "token", "next": "data.next"}), "sends {cursor}"),
        (history({"mechanism": "short_page"}, {"pageNo": "{page}"}), "needs {limit}"),
        ({"path": HISTORY, "params": {"p": "{page}"}, "answer": "data.list"}, "needs paging"),
        (history({"mechanism": "pages_by_magic"}), "mechanism"),
    ],
)
def test_a_paging_config_that_does_not_fit_its_mechanism_is_refused(operation, problem):
    with pytest.raises(ValidationError) as caught:
        dialect(operations={"transactions": operation})
    assert problem in str(caught.value)


@responses.activate
def test_derived_row_ids_are_stable_across_calls_and_distinct():
    UnseenSystem(rows=23).install()
    gateway = adapter(dialect())
    card_id = card_id_of(gateway)
    once = [t.txn_id for page in walk(gateway, card_id, 10) for t in page]
    again = [t.txn_id for page in walk(gateway, card_id, 7) for t in page]
    assert once == again and len(set(once)) == 23


@responses.activate
def test_a_card_without_an_id_gets_a_keyed_id_never_its_number():
    system = UnseenSystem(rows=3)
    system.install()
    gateway = adapter(dialect())
    card = gateway.list_cards("u1")[0]
    assert NUMBER not in card.card_id and NUMBER[-8:] not in card.card_id
    assert card.card_id == gateway.list_cards("u1")[0].card_id  # stable across calls
    assert card.card_id != adapter(dialect(), key="another-key").list_cards("u1")[0].card_id  # keyed
    assert card.last4 == NUMBER[-4:]
    walk(gateway, card.card_id, 10)
    assert [body["cardNo"] for op, body in system.calls if op == "history"] == [NUMBER]  # the number goes out


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"signing": None}, "keyed by the dialect's key"),
        ({"operations": {"pay": {"path": "/pay", "params": {"card": "{card_id}"}}}}, "send {card_number}"),
    ],
)
def test_derived_card_ids_need_a_key_and_are_never_sent_as_card_ids(changes, problem):
    with pytest.raises(ValidationError) as caught:
        dialect(**changes)
    assert problem in str(caught.value)
