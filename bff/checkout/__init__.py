"""Checkout: splitting an order across cards, the payment-attempt ledger, and the payment flow."""
