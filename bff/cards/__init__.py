"""Card domain: types, errors and the gateway port. Plain Python, no Flask."""
