"""Read merchant files and turn every problem into a line naming file, key path and cause."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bff.merchants import assets
from bff.merchants.model import MerchantConfig
from bff.merchants.policy import ConfigPolicy
from bff.merchants.yaml_limits import YAMLRefused, load_yaml

MERCHANT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


@dataclass(frozen=True)
class Merchant:
    """One merchant's validated configuration, with the version it was read from."""

    id: str
    config: MerchantConfig
    version: str
    path: Path


# what of a pydantic error's context a console may word the problem with (none of it is a secret or a value typed)
WORDED_CONTEXT = ("ge", "gt", "le", "lt", "min_length", "max_length", "expected", "tag", "expected_tags")


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    key_path: str
    message: str  # English, as the CLI prints it
    kind: str = ""  # pydantic's error type ("missing", "less_than_equal"…) when pydantic found it, for the console
    values: tuple[tuple[str, str], ...] = ()  # that error's limits (WORDED_CONTEXT), e.g. (("le", "30"),)

    def __str__(self) -> str:
        return f"{self.file}: {self.key_path or '(file)'}: {self.message}"


class InvalidConfig(Exception):
    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def merchant_files(config_dir: Path) -> list[Path]:
    return sorted(p for p in config_dir.glob("*.yaml") if p.is_file())


def _key_path(loc: tuple[str | int, ...]) -> str:
    # pydantic puts the union member's tag in the path of discriminated unions: drop it.
    parts = [str(p) for p in loc if not (isinstance(p, str) and p.endswith("Section"))]
    return ".".join(parts)


def parse_merchant(path: Path, raw: bytes, policy: ConfigPolicy | None = None) -> Merchant:
    """Validate one file's bytes under the deployment's policy; raise InvalidConfig listing every problem."""
    name = path.name
    merchant_id = path.stem
    problems: list[ConfigProblem] = []
    if not MERCHANT_ID.fullmatch(merchant_id):
        problems.append(ConfigProblem(name, "", "file name must be the merchant id: a-z, 0-9, '-'"))
    try:
        data = load_yaml(raw)
    except YAMLRefused as exc:
        raise InvalidConfig([ConfigProblem(name, "", str(exc))]) from None
    except yaml.YAMLError as exc:
        raise InvalidConfig([ConfigProblem(name, "", f"not valid YAML: {exc}")]) from None
    if not isinstance(data, dict):
        raise InvalidConfig([ConfigProblem(name, "", "must be a mapping of keys")])
    try:
        config = MerchantConfig.model_validate(data, context={"policy": policy or ConfigPolicy()})
    except ValidationError as exc:
        for err in exc.errors():
            message = err["msg"].removeprefix("Value error, ")
            context = err.get("ctx") or {}
            key_path = context.get("key_path") or _key_path(err["loc"])
            values = tuple((k, str(context[k])) for k in WORDED_CONTEXT if k in context)
            problems.append(ConfigProblem(name, key_path, message, err["type"], values))
        raise InvalidConfig(problems) from None
    problems += _picture_problems(name, path.parent, config)
    if problems:
        raise InvalidConfig(problems)
    version = hashlib.sha256(raw).hexdigest()[:12]
    return Merchant(merchant_id, config, version, path)


def _picture_problems(name: str, config_dir: Path, config: MerchantConfig) -> list[ConfigProblem]:
    """The logo and card-face art must be pictures of an allowed kind inside the config dir, and be there."""
    pictures = [("brand.logo", config.brand.logo, assets.LOGO_SUFFIXES)]
    pictures += [(f"brand.card_faces.{k}.art", f.art, assets.ART_SUFFIXES) for k, f in config.brand.card_faces.items()]
    found = [(key, assets.problem_of(config_dir, value, kinds)) for key, value, kinds in pictures if value is not None]
    return [ConfigProblem(name, key, problem) for key, problem in found if problem]


def load_merchant(path: Path, policy: ConfigPolicy | None = None) -> Merchant:
    return parse_merchant(path, path.read_bytes(), policy)


def validate_dir(config_dir: Path, policy: ConfigPolicy | None = None) -> tuple[list[Merchant], list[ConfigProblem]]:
    """Validate every merchant file in a directory."""
    merchants, problems = [], []
    for path in merchant_files(config_dir):
        try:
            merchants.append(load_merchant(path, policy))
        except InvalidConfig as exc:
            problems.extend(exc.problems)
    return merchants, problems
