"""Checking that a merchant card system does what Kabao needs."""
