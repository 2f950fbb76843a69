"""Pieces every part of the merchant model shares: a strict base model and checked value types."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo

from bff.merchants.policy import check_env_name

Locale = Literal["zh-CN", "en"]
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,63}$")


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_hex(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError(f"{value!r} is not a colour like '#1a7f5a'")
    return value.lower()


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"{value!r} is not a valid regular expression: {exc}") from None
    return value


def _check_text(value: dict[str, str]) -> dict[str, str]:
    if "zh-CN" not in value:
        raise ValueError("needs at least a zh-CN text")
    return value


def _check_env_name(value: str) -> str:
    if not ENV_NAME.fullmatch(value):
        raise ValueError(
            "must name an environment variable (e.g. KABAO_LIME_API_KEY) that holds the secret; "
            "it looks like a secret itself, and secrets never go into config files"
        )
    return value


def _allowed_env_name(value: str, info: ValidationInfo) -> str:
    return check_env_name(_check_env_name(value), info)


Colour = Annotated[str, AfterValidator(_check_hex)]
Regex = Annotated[str, AfterValidator(_check_regex)]
Text = Annotated[dict[Locale, Annotated[str, Field(min_length=1)]], AfterValidator(_check_text)]
EnvName = Annotated[str, AfterValidator(_allowed_env_name)]
