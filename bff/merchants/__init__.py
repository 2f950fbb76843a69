"""Merchant configuration: the typed model, loading with clear errors, and the live registry."""
