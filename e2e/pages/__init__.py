"""Page objects: each holds its page's locators (by role, label or text) and exposes verbs."""

from e2e.pages.bind import BindPage
from e2e.pages.card import CardPage
from e2e.pages.checkout import CheckoutPage, ResultPage
from e2e.pages.host_app import HostApp
from e2e.pages.host_return import HostReturnPage
from e2e.pages.wallet import WalletPage

# the small phone issue 13 measures against (CSS px): what fits "above the fold" fits in this
SMALL_PHONE = {"width": 390, "height": 664}

__all__ = [
    "SMALL_PHONE",
    "BindPage",
    "CardPage",
    "CheckoutPage",
    "HostApp",
    "HostReturnPage",
    "ResultPage",
    "WalletPage",
]
