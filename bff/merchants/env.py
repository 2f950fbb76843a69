"""Which environment variables merchant config may name, and the one place their values are read.

Config is written by ops, who are trusted with merchants' pages but not with Kabao's own secrets:
a file may name only variables the deployment allow-lists, and never one of Kabao's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

ENV_REF = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::-([^}]*))?\}")
MERCHANT_PREFIX = "KABAO_MERCHANT_"

# Kabao's own secrets and settings; the settings module adds every key of its DEFAULTS.
OWN_NAMES = frozenset({"SECRET_KEY", "KABAO_SECRET_KEY", "KABAO_HOST_SECRET"})


class EnvRefused(Exception):
    """A config value names an environment variable the deployment does not let config read."""


@dataclass(frozen=True)
class EnvPolicy:
    """The deployment's allow-list: name prefixes and explicit names; Kabao's own names never pass."""

    prefixes: tuple[str, ...] = (MERCHANT_PREFIX,)
    names: frozenset[str] = frozenset()
    own: frozenset[str] = OWN_NAMES

    def problem(self, name: str) -> str | None:
        """Why config may not name this variable, or None when it may."""
        if self.is_own(name):
            return f"{name} is one of Kabao's own secrets or settings; merchant config may never name it"
        if name in self.names or any(name.startswith(p) for p in self.prefixes if p):
            return None
        allowed = ", ".join([f"{p}*" for p in self.prefixes if p] + sorted(self.names)) or "nothing"
        return f"{name} is not on this deployment's allow-list ({allowed}); see KABAO_CONFIG_ENV_PREFIXES"

    def is_own(self, name: str) -> bool:
        # every KABAO_ name outside the merchants' namespace is Kabao's, whatever the allow-list says
        return name in self.own or (name.startswith("KABAO_") and not name.startswith(MERCHANT_PREFIX))


def refs(text: str) -> list[str]:
    """The variable names a text refers to as ${NAME} or ${NAME:-default}."""
    return [m.group(1) for m in ENV_REF.finditer(text)]


def ref_problems(text: str, policy: EnvPolicy) -> list[str]:
    return [p for name in refs(text) if (p := policy.problem(name))]


def with_defaults(text: str, unset: str) -> str:
    """The text as validation sees it: each reference replaced by its default, or `unset` without one."""
    return ENV_REF.sub(lambda m: m.group(2) if m.group(2) is not None else unset, text)


class EnvResolver:
    """Reads the environment for config, only through the policy; nothing else resolves references."""

    def __init__(self, environ: Mapping[str, str], policy: EnvPolicy) -> None:
        self.environ = environ
        self.policy = policy

    def text(self, value: str) -> str:
        """Replace ${NAME} and ${NAME:-default}; raise EnvRefused if a name is not allowed."""
        for name in refs(value):
            self._check(name)
        return ENV_REF.sub(lambda m: self.environ.get(m.group(1)) or m.group(2) or "", value)

    def texts(self, values: Iterable[str]) -> list[str]:
        return [self.text(v) for v in values]

    def secret(self, name: str) -> str:
        """The value of a variable config names for a key; raise EnvRefused if it is not allowed."""
        self._check(name)
        return self.environ.get(name, "")

    def _check(self, name: str) -> None:
        problem = self.policy.problem(name)
        if problem:
            raise EnvRefused(problem)
