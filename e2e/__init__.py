"""Playwright end-to-end tests: from the host-app simulator through the wallet, per merchant."""
