"""Paging proved, not assumed: walk every page of a history the check made itself and compare."""

from __future__ import annotations

from collections import Counter

from bff.cards.gateway import CardGateway
from bff.cards.models import Transaction, TxnKind

PAGE_SIZE = 2
MAX_PAGES = 200  # a walk longer than this is a cursor that never ends


def walk(gateway: CardGateway, user_id: str, card_id: str) -> tuple[list[Transaction], int, list[str]]:
    """Every row of the card's history through every page; the problems met on the way."""
    rows: list[Transaction] = []
    cursor: str | None = None
    seen: set[str] = set()
    problems: list[str] = []
    for pages in range(1, MAX_PAGES + 1):
        page = gateway.transactions(user_id, card_id, cursor, PAGE_SIZE)
        if len(page.transactions) > PAGE_SIZE:
            problems.append(f"page {pages} has {len(page.transactions)} rows for a page size of {PAGE_SIZE}")
        rows.extend(page.transactions)
        if page.next_cursor is None:
            return rows, pages, problems
        if page.next_cursor in seen:
            return rows, pages, [*problems, f"page {pages} points back to an earlier page: the walk never ends"]
        seen.add(page.next_cursor)
        cursor = page.next_cursor
    return rows, MAX_PAGES, [*problems, f"more than {MAX_PAGES} pages: the walk never ends"]


def _found(rows: list[Transaction], made: list[tuple[str, int]]) -> list[str]:
    """Each payment made, counted among the rows: by payment id where rows carry one, else by amount."""
    payments = [t for t in rows if t.kind is TxnKind.PAYMENT]
    problems = []
    if any(t.payment_id for t in payments):
        counts = Counter(t.payment_id for t in payments)
        for payment_id, amount in made:
            if counts[payment_id] != 1:
                problems.append(f"payment {payment_id} ({amount} fen) appears {counts[payment_id]} times")
        return problems
    # no payment ids in the rows: the newest payments must be the ones just made, newest first
    newest = [-t.amount for t in payments[: len(made)]]
    expected = [amount for _, amount in reversed(made)]
    if newest != expected:
        problems.append(f"the newest payments are {newest} fen, the check made {expected} fen (newest first)")
    return problems


def prove(gateway: CardGateway, user_id: str, card_id: str, made: list[tuple[str, int]], mechanism: str):  # noqa: ANN201
    """(ok, what was seen) for the history walk; made lists (payment id, fen) oldest first."""
    rows, pages, problems = walk(gateway, user_id, card_id)
    ids = Counter(t.txn_id for t in rows)
    twice = sorted(i for i, n in ids.items() if n > 1)
    if twice:
        problems.append(f"rows listed twice: {', '.join(twice[:3])}")
    times = [t.created_at for t in rows]
    if any(a < b for a, b in zip(times, times[1:], strict=False)):
        problems.append("rows are not newest first")
    problems += _found(rows, made)
    seen = f"{mechanism}: {pages} page{'' if pages == 1 else 's'} of {PAGE_SIZE}, {len(rows)} rows"
    if problems:
        return False, f"{seen}; " + "; ".join(problems)
    return True, f"{seen}; the {len(made)} payments made appear once each, newest first"
