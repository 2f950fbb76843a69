"""The ops console: its own accounts and session, merchant previews, drafts, publishing."""
