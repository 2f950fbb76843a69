"""The in-store pay code (付款码): one-time codes a store's terminal redeems through the checkout ledger."""
