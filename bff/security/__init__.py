"""Launch tokens, attempt limits and response headers."""
