"""Wallet flows: what the shopper's pages need, computed from the gateway and the store."""
