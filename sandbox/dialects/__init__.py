"""The legacy dialects: other HTTP faces over the same sandbox card systems (docs/sandbox-dialects.md)."""
