"""Everything a request needs that outlives it, built once by create_app."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bff.adapters.factory import Gateways
from bff.checkout.ledger import Ledger
from bff.checkout.notify import Notifier
from bff.checkout.payer import Payer
from bff.checkout.refunds import Refunds
from bff.merchants.registry import MerchantRegistry
from bff.paycode.till import Till
from bff.security.attempts import WrongSecretGuard
from bff.store import Store
from bff.store.tallies import Tallies
from bff.wallet.balances import BalanceBook
from bff.wallet.binding import Binder


@dataclass
class Services:
    registry: MerchantRegistry
    store: Store
    gateways: Gateways
    balances: BalanceBook
    binder: Binder
    executor: ThreadPoolExecutor
    ledger: Ledger
    payer: Payer
    refunds: Refunds
    guard: WrongSecretGuard
    notifier: Notifier
    till: Till
    tallies: Tallies

    def close(self) -> None:
        # wait for running balance calls (bounded by their timeouts): they write to the store
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.gateways.close()
        self.notifier.session.close()
        self.tallies.flush()  # this process's last counted calls
        self.store.close()
        self.ledger.close()
