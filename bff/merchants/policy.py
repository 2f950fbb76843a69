"""What the deployment lets merchant config do: the env allow-list and the outbound allow-list."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationInfo

from bff.merchants.env import OWN_NAMES, EnvPolicy, ref_problems
from bff.merchants.outbound import OutboundPolicy
from bff.settings import DEFAULTS, from_environ


@dataclass(frozen=True)
class ConfigPolicy:
    env: EnvPolicy = field(default_factory=EnvPolicy)
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    proxy: str = ""

    @classmethod
    def from_settings(cls, config: Mapping[str, Any]) -> ConfigPolicy:
        """From the app's settings (bff.settings); every settings key counts as Kabao's own name."""

        def items(key: str) -> list[str]:
            return [i for i in re.split(r"[,\s]+", str(config.get(key, DEFAULTS[key])).strip()) if i]

        env = EnvPolicy(
            prefixes=tuple(items("KABAO_CONFIG_ENV_PREFIXES")),
            names=frozenset(items("KABAO_CONFIG_ENV_NAMES")),
            own=OWN_NAMES | frozenset(DEFAULTS),
        )
        outbound = OutboundPolicy.parse(
            str(config.get("KABAO_OUTBOUND_SCHEMES", DEFAULTS["KABAO_OUTBOUND_SCHEMES"])),
            str(config.get("KABAO_OUTBOUND_ALLOW", DEFAULTS["KABAO_OUTBOUND_ALLOW"])),
        )
        return cls(env, outbound, str(config.get("KABAO_OUTBOUND_PROXY", "")).strip())

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ConfigPolicy:
        """For the command line: the same settings the app would read from this environment."""
        return cls.from_settings({**DEFAULTS, **from_environ(environ)})


def policy_of(info: ValidationInfo) -> ConfigPolicy:
    """The policy a validation runs under (pydantic context), or the deployment defaults."""
    policy = (info.context or {}).get("policy")
    return policy if isinstance(policy, ConfigPolicy) else ConfigPolicy()


def check_env_name(name: str, info: ValidationInfo) -> str:
    problem = policy_of(info).env.problem(name)
    if problem:
        raise ValueError(problem)
    return name


def check_env_refs(text: str, info: ValidationInfo) -> str:
    problems = ref_problems(text, policy_of(info).env)
    if problems:
        raise ValueError("; ".join(problems))
    return text
