"""HTTP adapters that implement the CardGateway port, and the per-merchant gateway cache."""
