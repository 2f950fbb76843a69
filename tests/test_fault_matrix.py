"""The fault matrix: every sandbox fault x every shopper card operation, through the BFF over real HTTP.

Each cell injects one fault into the card system, does one shopper (or host-app) operation, and then
checks what a shopper, a host app and the merchant's books would notice: no 5xx; what the wallet shows
agrees with what the card system recorded; nothing charged twice; and after `kabao reconcile` every
pending payment or refund has converged to what the card system says.
"""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from kabao_testing import (
    CONFIG_DIR,
    add_fault,
    card_path,
    csrf_token,
    mint_launch_token,
    sandbox_cards,
    sandbox_payments,
)
from test_checkout import SYSTEM, Shopper, cards_of
from test_refunds import call

from bff.checkout.reconcile import reconcile
from bff.checkout.states import LegStatus

# A short read timeout so that "latency" is a real timeout without making the matrix slow.
READ_TIMEOUT = 0.6
FAULTS = {
    "latency": {"delay_ms": 1000},  # 0.4 s past READ_TIMEOUT: always a timeout, and a short wait for the late write
    "error_5xx": {},
    "malformed": {},
    "drop_response": {},
    "processing": {"delay_ms": 300},
    "decline_insufficient": {},
    "bad_signature": {},
    "stale_signature": {},
    "refund_processing": {},
}
PAY_ONLY = ("processing", "decline_insufficient")
READS = ("wallet", "detail", "history")
WRITES = ("bind", "unbind", "pay_one", "pay_two", "refund")
MERCHANTS = ("lime-market", "olive-fresh", "aspen-fitness")
SIGNED_ANSWERS = "aspen-fitness"  # verifies its answers (and their age): the merchant for these, and only for them
ANSWER_FAULTS = ("bad_signature", "stale_signature", "refund_processing")


def cells():
    for merchant in MERCHANTS:
        for op in READS + WRITES:
            for fault in FAULTS:
                if fault in PAY_ONLY and not op.startswith("pay"):
                    continue
                if (fault in ANSWER_FAULTS) != (merchant == SIGNED_ANSWERS):
                    continue  # forged or stale signatures, refund states: only where answers say and prove them
                if fault == "refund_processing" and op != "refund":
                    continue
                if merchant == "olive-fresh" and op in ("detail", "history", "unbind", "refund"):
                    continue  # the dialect merchant is there for pay and bind; its reads mirror lime's
                yield pytest.param(merchant, op, fault, id=f"{merchant}-{op}-{fault}")


@pytest.fixture
def matrix_app(make_app, tmp_path: Path):
    config_dir = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config_dir)
    for merchant in MERCHANTS:
        path = config_dir / f"{merchant}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["backend"]["timeouts"] = {"connect": 1.0, "read": READ_TIMEOUT}
        data["backend"].setdefault("breaker", {})["failures"] = 100  # one cell's faults never trip the next
        data["checkout"]["status_query"] = {"interval_seconds": 0.5, "give_up_seconds": 5}
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return make_app(config_dir)


class Cell:
    def __init__(self, app, sandbox, merchant: str, op: str, fault: str) -> None:
        self.app, self.sandbox, self.merchant, self.op, self.fault = app, sandbox, merchant, op, fault
        self.system = SYSTEM[merchant]
        self.client = app.test_client()
        self.responses: list = []
        self.user = "u1001"

    # what the shopper does
    def launch(self) -> None:
        token = mint_launch_token(self.app.config["KABAO_HOST_SECRET"], self.user, self.merchant)
        self.keep(self.client.get(f"/launch?token={token}"))

    def keep(self, response):
        self.responses.append((response.request.path if response.request else "?", response.status_code))
        return response

    def inject(self, ops: tuple[str, ...], count: int | None = 1) -> None:
        for op in ops:
            add_fault(self.sandbox, system=self.system, op=op, mode=self.fault, count=count, **FAULTS[self.fault])

    def clear_faults(self) -> None:
        if self.fault == "latency" and self.op not in READS:
            # the slow request is still running in the card system after we gave up on it: let it land
            # inside this cell (a late write is part of what the cell tests), not in the next one; a late
            # read changes nothing, so a read cell goes on at once
            time.sleep(FAULTS["latency"]["delay_ms"] / 1000 + 0.2)
        requests.delete(f"{self.sandbox.url}/_sandbox/faults", timeout=5).raise_for_status()

    def bound_card(self) -> dict:
        return cards_of(self.sandbox, self.merchant)[50000]

    # the checks every cell ends with
    def assert_no_5xx(self) -> None:
        bad = [(path, status) for path, status in self.responses if status >= 500]
        assert not bad, f"5xx answers: {bad}"

    def wallet_agrees_with_the_card_system(self) -> None:
        """With the faults gone, the wallet lists exactly the cards the card system says are the shopper's."""
        page = self.keep(self.client.get("/wallet?js=0")).get_data(as_text=True)
        mask = self.app.extensions["kabao"].registry.get(self.merchant).config.flows.bind.card_number.mask
        for card in sandbox_cards(self.sandbox, self.system):
            if card["user_id"] not in (None, self.user):
                continue
            shown = mask.format(last4=card["card_number"][-4:]) in page
            bound = card["user_id"] == self.user
            assert shown == bound, f"card …{card['card_number'][-4:]}: bound={bound} but shown={shown}\n{page}"


def the_result_page_reaches_a_verdict(cell: Cell, shopper: Shopper) -> None:
    """The result page's own polling decides a pending payment, with no reconcile run: as time passes
    (the payer's clock moved on past the merchant's window) each poll asks the card system again."""
    payer = cell.app.extensions["kabao"].payer
    give_up = cell.app.extensions["kabao"].registry.get(cell.merchant).config.checkout.status_query.give_up_seconds
    real_clock = payer.clock
    try:
        for step in range(1, 9):
            status = cell.keep(cell.client.get(f"{shopper.path}/status", headers={"HX-Request": "true"}))
            if status.status_code != 204 and "正在确认支付结果" not in status.get_data(as_text=True):
                return  # 204: nothing changed (the page keeps its pending region)
            time.sleep(0.1)  # a PROCESSING payment settles in the sandbox after its (short) delay
            payer.clock = lambda offset=step * give_up / 2: real_clock() + offset
        raise AssertionError("the result page is still pending after the merchant's window")
    finally:
        payer.clock = real_clock


def settle(app) -> list[str]:
    """What `kabao reconcile` does, run until nothing is left pending (bounded); an hour on, so that
    legs judged NOT_FOUND are due for their watch and a late charge is given back."""
    services, lines = app.extensions["kabao"], []
    for _ in range(5):
        if any(leg_pending(services, c) for c in all_checkouts(services)):
            time.sleep(0.35)  # a PROCESSING payment settles in the sandbox after its delay
        lines += reconcile(services, window=0, now=time.time() + 3600)
        if not any(leg_pending(services, c) for c in all_checkouts(services)):
            break
    return lines


def all_checkouts(services):
    return [row["checkout_id"] for row in services.ledger.db.rows("SELECT checkout_id FROM checkouts")]


def leg_pending(services, checkout_id: str) -> bool:
    return any(leg.status is LegStatus.PENDING for leg in services.ledger.legs(checkout_id))


def assert_books_agree(app, sandbox, merchant: str, order_id: str, amount: int) -> None:
    """Ledger == card system for every leg; nothing charged twice; nothing over the order."""
    ledger = app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order(merchant, order_id)
    legs = ledger.legs(checkout.checkout_id)
    ours = {leg.payment_id for leg in legs}
    recorded = [
        p for p in sandbox_payments(sandbox, SYSTEM[merchant]) if p["order_id"] == order_id or p["payment_id"] in ours
    ]
    ids = [p["payment_id"] for p in recorded]
    assert len(ids) == len(set(ids)), f"a payment id charged twice: {ids}"
    kept = sum(p["amount"] - p["refunded_amount"] for p in recorded if p["status"] == "SUCCEEDED")
    assert kept <= amount, f"{kept} fen kept for a {amount} fen order"
    by_id = {p["payment_id"]: p for p in recorded}
    for leg in legs:
        assert leg.status is not LegStatus.PENDING, f"{leg.payment_id} still pending after reconcile"
        seen = by_id.get(leg.payment_id)
        if seen is None:
            # never seen: failed before it was sent, or judged NOT_FOUND (and still watched for a late charge)
            assert leg.status in (LegStatus.FAILED, LegStatus.NOT_FOUND), f"{leg.payment_id} is {leg.status}"
            continue
        assert (leg.status.value, leg.amount) == (seen["status"], seen["amount"]), (leg, seen)
        assert leg.refunded == seen["refunded_amount"], (leg, seen)


def do_read(cell: Cell) -> None:
    cell.launch()
    card = cell.bound_card()
    path = card_path(cell.client, card)  # found on the wallet by its last four digits, before any fault
    if cell.op == "wallet":
        cell.inject(("list_cards", "card_detail"), count=None)
        page = cell.keep(cell.client.get("/wallet?js=0")).get_data(as_text=True)
        assert "¥500.00" in page or "暂时无法" in page or "无法" in page
    elif cell.op == "detail":
        cell.inject(("card_detail",), count=None)
        cell.keep(cell.client.get(path))
    else:
        cell.inject(("transactions",), count=None)
        cell.keep(cell.client.get(path))
        cell.keep(cell.client.get(f"{path}/transactions", headers={"HX-Request": "true"}))
    cell.clear_faults()
    cell.wallet_agrees_with_the_card_system()


def do_bind(cell: Cell) -> None:
    cell.launch()
    card = next(c for c in sandbox_cards(cell.sandbox, cell.system, bound="0") if c["status"] == "ACTIVE")
    cell.inject(("bind",))
    form = {"csrf_token": csrf_token(cell.client, "/bind"), "card_number": card["card_number"]}
    if card.get("secret"):
        form["secret"] = card["secret"]
    cell.keep(cell.client.post("/bind", data=form))
    cell.clear_faults()
    cell.wallet_agrees_with_the_card_system()


def do_unbind(cell: Cell) -> None:
    cell.launch()
    card = cell.bound_card()
    path = f"{card_path(cell.client, card)}/unbind"
    token = csrf_token(cell.client, path)
    cell.inject(("unbind",))
    cell.keep(cell.client.post(path, data={"csrf_token": token}))
    cell.clear_faults()
    cell.wallet_agrees_with_the_card_system()


def do_pay(cell: Cell) -> None:
    cards = cards_of(cell.sandbox, cell.merchant)
    amount = 52000 if cell.op == "pay_two" else 12800
    shopper = Shopper(cell.app, cell.client, cell.sandbox, merchant=cell.merchant, amount=amount)
    picks = [cards[50000]["card_id"]] + ([cards[3650]["card_id"]] if cell.op == "pay_two" else [])
    # fault the last leg: for two cards the first one has been charged when the second goes wrong
    if cell.op == "pay_two":
        add_fault(
            cell.sandbox, system=cell.system, op="pay", card_id=picks[1], mode=cell.fault, count=1, **FAULTS[cell.fault]
        )
    else:
        cell.inject(("pay",))
    pins = {cid: card_pin(cell.sandbox, cell.system, cid) for cid in picks} if needs_pin(cell, amount) else None
    cell.keep(shopper.pay(picks, pins=pins))
    cell.keep(shopper.result())
    the_result_page_reaches_a_verdict(cell, shopper)
    cell.clear_faults()
    settle(cell.app)
    page = cell.keep(shopper.result()).get_data(as_text=True)
    assert_books_agree(cell.app, cell.sandbox, cell.merchant, shopper.order_id, amount)
    checkout = cell.app.extensions["kabao"].ledger.checkout_by_order(cell.merchant, shopper.order_id)
    says_paid = "支付成功" in page
    assert says_paid == (checkout.status.value == "PAID"), f"ledger {checkout.status}, page says paid: {says_paid}"


def do_refund(cell: Cell) -> None:
    cards = cards_of(cell.sandbox, cell.merchant)
    shopper = Shopper(cell.app, cell.client, cell.sandbox, merchant=cell.merchant, amount=12800)
    cell.keep(shopper.pay([cards[50000]["card_id"]]))
    assert {p["status"] for p in shopper.payments()} == {"SUCCEEDED"}
    cell.inject(("refund",))
    body = {
        "merchant_id": cell.merchant,
        "order_id": shopper.order_id,
        "refund_id": f"R-{uuid.uuid4().hex[:8]}",
        "amount": 5000,
    }
    secret = cell.app.config["KABAO_HOST_SECRET"]
    cell.keep(call(cell.client, secret, "POST", "/api/v1/refunds", body))
    cell.clear_faults()
    settle(cell.app)
    again = cell.keep(call(cell.client, secret, "POST", "/api/v1/refunds", body))  # the host app's retry
    assert again.status_code == 200, again.get_data(as_text=True)
    assert_books_agree(cell.app, cell.sandbox, cell.merchant, shopper.order_id, 12800)
    refunded = sum(p["refunded_amount"] for p in shopper.payments())
    assert refunded == 5000, f"refunded {refunded} fen for one 5000 fen refund"


def needs_pin(cell: Cell, amount: int) -> bool:
    rule = cell.app.extensions["kabao"].registry.get(cell.merchant).config.checkout.pin
    return rule.required == "always" or (rule.required == "above" and amount > (rule.above_amount or 0))


def card_pin(sandbox, system: str, card_id: str) -> str:
    card = next(c for c in sandbox_cards(sandbox, system) if c["card_id"] == card_id)
    return card["secret"]


ACTIONS = {"bind": do_bind, "unbind": do_unbind, "pay_one": do_pay, "pay_two": do_pay, "refund": do_refund}


@pytest.mark.parametrize(("merchant", "op", "fault"), list(cells()))
def test_fault_matrix(matrix_app, card_system, merchant, op, fault):
    cell = Cell(matrix_app, card_system, merchant, op, fault)
    try:
        ACTIONS.get(op, do_read)(cell)
    finally:
        requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5)
    cell.assert_no_5xx()


def test_the_matrix_covers_every_fault_and_operation():
    """A fault or operation added later must join the matrix, not slip past it."""
    from sandbox.faults import MODES

    assert set(FAULTS) == set(MODES)
    covered = {(op, fault) for _, op, fault in (p.values for p in cells())}
    every_op = len(FAULTS) - len(PAY_ONLY) - 1  # refund_processing: the refund cell alone
    assert len(covered) == len(READS + WRITES) * every_op + 2 * len(PAY_ONLY) + 1
