"""Wallet balances are fetched in parallel and a slow card never holds the page past its deadline."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.models import Card, CardStatus
from bff.store import open_store
from bff.wallet.balances import BalanceBook
from bff.wallet.views import CardView, WalletView


def card(card_id: str, balance: int | None = None, status: CardStatus = CardStatus.ACTIVE) -> Card:
    return Card(card_id, card_id[-4:], "gift", status, "CNY", date(2030, 1, 1), balance)


class FakeGateway(CardGateway):
    """Answers from a dict; can hold detail calls at a barrier to prove they overlap."""

    def __init__(self, balances: dict[str, int], barrier: threading.Barrier | None = None) -> None:
        self.balances = balances
        self.barrier = barrier
        self.failing: set[str] = set()
        self.hang = threading.Event()
        self.list_fails = False
        self.calls: list[str] = []

    def list_cards(self, user_id):
        self.calls.append("list")
        if self.list_fails:
            raise CardSystemUnavailable("down")
        return [card(cid) for cid in self.balances]

    def card_detail(self, user_id, card_id):
        self.calls.append(card_id)
        if self.barrier is not None:
            self.barrier.wait(timeout=5)  # raises BrokenBarrierError unless all calls run at once
        if card_id in self.failing:
            raise CardSystemUnavailable("down")
        if card_id == "c_hang":
            self.hang.wait(5)
        return card(card_id, self.balances[card_id])

    def bind(self, request):
        raise NotImplementedError

    def transactions(self, *args):
        raise NotImplementedError

    def unbind(self, *args):
        raise NotImplementedError

    def send_sms_code(self, *args):
        raise NotImplementedError

    pay = payment_status = reverse = refund = send_sms_code


@pytest.fixture
def book(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    executor = ThreadPoolExecutor(8)
    yield BalanceBook(store, executor, "test-secret")
    executor.shutdown(wait=True, cancel_futures=True)  # no thread may use the store after it closes
    store.close()


def test_balances_of_all_cards_are_fetched_at_the_same_time(book):
    gateway = FakeGateway({"c_0001": 100, "c_0002": 200, "c_0003": 300}, threading.Barrier(3))
    view = book.wallet(gateway, "shop", "u1", deadline=5)
    assert [v.balance for v in view.cards] == [100, 200, 300]
    assert view.total == 600 and view.complete


def test_a_hanging_card_is_left_out_at_the_deadline_with_its_last_known_balance(book):
    gateway = FakeGateway({"c_0001": 100, "c_hang": 700})
    gateway.hang.set()
    book.wallet(gateway, "shop", "u1", deadline=5)  # remember both balances
    gateway.hang.clear()
    view = book.wallet(gateway, "shop", "u1", deadline=0.2)
    gateway.hang.set()
    fast, slow = view.cards
    assert fast.live and fast.balance == 100
    assert not slow.live and slow.balance == 700 and slow.known_at is not None
    assert view.total is None and not view.complete  # not a total: one card's balance isn't known now
    assert view.last_known_total == 800 and view.known_since == slow.known_at and view.total_state == "known"


def test_card_list_failure_falls_back_to_the_remembered_list(book):
    gateway = FakeGateway({"c_0001": 100})
    book.wallet(gateway, "shop", "u1", deadline=5)
    gateway.list_fails = True
    view = book.wallet(gateway, "shop", "u1", deadline=5)
    assert not view.list_live and view.cards[0].balance == 100 and not view.cards[0].live
    assert book.wallet(gateway, "shop", "someone-else", deadline=5) is None


def test_the_store_holds_no_card_id_and_a_rotated_secret_forgets_the_list(book, tmp_path):
    number = "6222000011112222"  # a card system without card tokens: the number is the card id
    gateway = FakeGateway({number: 100})
    book.wallet(gateway, "shop", "u1", deadline=5)
    rows = [f"{k} {v}" for k, v in book.store.db.connection().execute("SELECT key, value FROM kv")]
    assert len(rows) == 2 and not [r for r in rows if number in r]
    handle = book.handles("shop", "u1").of(number)
    assert book.card_id_of(gateway, "shop", "u1", handle) == number
    assert book.card_id_of(gateway, "shop", "u2", handle) is None  # another shopper's handle names nothing
    rotated = BalanceBook(book.store, book.executor, "another-secret")
    gateway.list_fails = True
    assert rotated.wallet(gateway, "shop", "u1", deadline=5) is None  # sealed with the old key: unreadable


def test_frozen_cards_do_not_count_towards_the_spendable_total(book):
    class Frozen(FakeGateway):
        def card_detail(self, user_id, card_id):
            return card(
                card_id,
                self.balances[card_id],
                CardStatus.FROZEN if card_id == "c_0002" else CardStatus.ACTIVE,
            )

    view = book.wallet(Frozen({"c_0001": 100, "c_0002": 5000}), "shop", "u1", deadline=5)
    assert view.total == 100


@pytest.fixture(params=["sqlite", "redis"])
def counted_book(request, tmp_path):
    """A BalanceBook whose store counts its writes (each put or put_many is one transaction or pipeline)."""
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    else:
        store = open_store(request.getfixturevalue("redis_url"))
        store.client.flushdb()
    writes: list[int] = []
    put, put_many = store.put, getattr(store, "put_many", None)
    store.put = lambda key, value, ttl: (writes.append(1), put(key, value, ttl))[1]
    if put_many is not None:  # (a store from before put_many writes one key at a time)
        store.put_many = lambda values, ttl: (writes.append(len(values)) if values else None, put_many(values, ttl))[1]
    executor = ThreadPoolExecutor(8)
    yield BalanceBook(store, executor, "test-secret"), writes
    executor.shutdown(wait=True, cancel_futures=True)
    store.close()


def test_a_wallet_page_writes_its_balances_once_and_only_when_they_changed(counted_book):
    book, writes = counted_book
    gateway = FakeGateway({"c_0001": 100, "c_0002": 200, "c_0003": 300, "c_0004": 400})
    book.wallet(gateway, "shop", "u1", deadline=5)
    assert writes == [1, 4]  # the card list, then the four balances together: no write per card

    writes.clear()
    book.wallet(gateway, "shop", "u1", deadline=5)
    assert writes == []  # nothing changed: nothing written

    gateway.balances["c_0002"] = 150
    book.wallet(gateway, "shop", "u1", deadline=5)
    assert writes == [1]  # only the card whose balance moved
    gateway.failing.add("c_0002")
    assert [v.balance for v in book.wallet(gateway, "shop", "u1", deadline=5).cards] == [100, 150, 300, 400]


def test_a_total_is_never_made_of_unknown_balances():
    def view(balance, live, pending=False, status=CardStatus.ACTIVE):
        return CardView(Card("c", "0001", "gift", status, "CNY", None, balance), live=live, pending=pending)

    assert WalletView((view(100, True), view(None, False)), list_live=True).total_state == "unavailable"
    assert WalletView((view(100, True), view(None, False)), list_live=True).total is None
    assert WalletView((view(100, True), view(None, False, pending=True)), list_live=False).total_state == "loading"
    frozen = view(900, True, status=CardStatus.FROZEN)  # not spendable: left out, not a reason to doubt the total
    assert WalletView((view(100, True), frozen), list_live=True).total == 100
    assert WalletView((view(100, True),), list_live=False).total is None  # the list itself may be out of date
