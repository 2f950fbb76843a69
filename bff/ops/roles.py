"""Who may do what in the ops console: roles per account, optionally limited to some merchants.

Every account that can log in may read the console (viewer). The other roles each open one kind of
change: editor (drafts), publisher (publish, roll back, approve), after-sales (the desk's actions),
admin (accounts). An account limited to some merchants reads and changes only those: their files,
orders, audit lines, requests and dashboard rows (a merchant's own staff never see another's shoppers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("viewer", "editor", "publisher", "after-sales", "admin")
ALL_ROLES = frozenset(ROLES)


class BadRoles(ValueError):
    """A role that doesn't exist, or none at all."""


def parse_roles(words: str | list[str]) -> frozenset[str]:
    """Roles from `editor+publisher`, `editor publisher` or a list; viewer is always included."""
    items = words if isinstance(words, list) else words.replace("+", " ").replace(",", " ").split()
    roles = frozenset(word.strip() for word in items if word.strip())
    unknown = roles - ALL_ROLES
    if unknown:
        raise BadRoles(f"unknown roles: {', '.join(sorted(unknown))} (known: {', '.join(ROLES)})")
    return roles | {"viewer"}


@dataclass(frozen=True)
class Account:
    user: str
    display_name: str
    password_hash: str = field(repr=False)
    roles: frozenset[str]
    merchants: frozenset[str] = frozenset()  # empty: every merchant
    enabled: bool = True
    from_file: bool = False  # the deployment's file or environment: managed there, not in the console

    def can(self, role: str, merchant_id: str | None = None) -> bool:
        """May this account do what role opens, on merchant_id (None: the action names no merchant)?"""
        if not self.enabled or role not in self.roles:
            return False
        return not self.merchants or merchant_id is None or merchant_id in self.merchants

    def sees(self, merchant_id: str) -> bool:
        """May this account read what belongs to merchant_id (its file, orders, audit lines)?"""
        return self.enabled and (not self.merchants or merchant_id in self.merchants)

    def for_any_merchant(self, role: str) -> bool:
        """Has role for at least some merchant (to show a link to a page of such actions)."""
        return self.enabled and role in self.roles
