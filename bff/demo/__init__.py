"""`kabao demo`: the sandbox, the host-app simulator, the wallet and a worker on one machine, on SQLite."""
