"""The typed model of one merchant's wallet configuration (one file in wallet_config/)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bff.i18n import known_message_keys, override_problem
from bff.merchants.base import Colour, EnvName, Locale, Model, Regex, Text
from bff.merchants.checkout_rules import CheckoutRules
from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio
from bff.merchants.dialect import Dialect
from bff.merchants.env import with_defaults
from bff.merchants.paycode_rules import PayCodeRules
from bff.merchants.policy import check_env_refs, policy_of
from bff.merchants.sections import Pages


def _contrast(fg: str, bg: str, what: str) -> None:
    ratio = contrast_ratio(fg, bg)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValueError(f"{what}: contrast {ratio:.2f}:1 is below {MIN_TEXT_CONTRAST}:1, text would be unreadable")


UNSET_HOST = "unset.env.invalid"


class Colours(Model):
    primary: Colour
    on_primary: Colour
    background: Colour = "#f5f6f8"
    surface: Colour = "#ffffff"
    text: Colour = "#1d2129"

    @model_validator(mode="after")
    def _readable(self) -> Colours:
        _contrast(self.on_primary, self.primary, "on_primary on primary")
        _contrast(self.text, self.surface, "text on surface")
        _contrast(self.text, self.background, "text on background")
        _contrast(self.primary, self.surface, "primary (links, amounts) on surface")
        return self


class CardFace(Model):
    label: Text
    background: Colour
    text: Colour

    @model_validator(mode="after")
    def _readable(self) -> CardFace:
        _contrast(self.text, self.background, "card face text on its background")
        return self


class Brand(Model):
    name: Text
    logo: str | None = Field(None, description="Path of an SVG or PNG file, relative to the config dir")
    colours: Colours
    card_faces: dict[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")], CardFace] = Field(
        ..., min_length=1, description="Card face per card type; key 'default' is used for others"
    )


class Support(Model):
    phone: str | None = Field(None, pattern=r"^[0-9+\- ]{5,20}$")
    terms_url: HttpUrl | None = None
    help: Text | None = None
    forgot_pin_url: HttpUrl | None = Field(
        None, description="Where a shopper who forgot a card's PIN gets help; without it, the service phone"
    )


class CardNumberRule(Model):
    min_length: int = Field(..., ge=6, le=32)
    max_length: int = Field(..., ge=6, le=32)
    pattern: Regex = Field(..., description="Full-match regular expression for the number")
    luhn: bool = False
    mask: str = Field("**** **** **** {last4}", description="How a bound card's number is shown")

    @model_validator(mode="after")
    def _lengths(self) -> CardNumberRule:
        if self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if "{last4}" not in self.mask:
            raise ValueError("mask must contain {last4}")
        return self


class SecretRule(Model):
    length: int = Field(6, ge=4, le=12)
    digits_only: bool = True


class BindFlow(Model):
    method: Literal["password", "sms", "number_only"]
    card_number: CardNumberRule
    secret: SecretRule = SecretRule()


class Flows(Model):
    bind: BindFlow
    unbind: bool = True
    history: bool = True


class AttemptLimit(Model):
    attempts: int = Field(..., ge=1, le=1000)
    window_seconds: int = Field(..., ge=60, le=7 * 24 * 3600)


class WrongSecretLimits(Model):
    per_card: AttemptLimit = AttemptLimit(attempts=5, window_seconds=900)
    per_user: AttemptLimit = AttemptLimit(attempts=20, window_seconds=3600)


class SmsLimits(Model):
    """How often SMS codes may be sent: per card (a gap between sends, and a cap) and per shopper."""

    resend_after_seconds: int = Field(60, ge=10, le=3600, description="Per card: wait this long before resending")
    per_card: AttemptLimit = AttemptLimit(attempts=5, window_seconds=3600)
    per_user: AttemptLimit = AttemptLimit(attempts=5, window_seconds=3600)


class Limits(Model):
    wrong_secret: WrongSecretLimits = WrongSecretLimits()
    sms: SmsLimits = SmsLimits()


class Timeouts(Model):
    connect: float = Field(1.0, gt=0, le=10)
    read: float = Field(3.0, gt=0, le=30)

    @property
    def one_call(self) -> float:
        """The longest one call can take (writes are never retried), with a second to spare."""
        return self.connect + self.read + 1.0


class Breaker(Model):
    failures: int = Field(5, ge=1, le=100, description="Consecutive failures that open the circuit")
    reset_seconds: int = Field(20, ge=1, le=600, description="How long calls are short-circuited")


class Credentials(Model):
    api_key_env: EnvName


class Backend(Model):
    adapter: Literal["standard", "mapped"]
    base_url: str = Field(..., description="May use ${ENV_VAR} or ${ENV_VAR:-default}")
    timeouts: Timeouts = Timeouts()
    read_retries: int = Field(2, ge=0, le=5, description="Retries of idempotent reads only")
    breaker: Breaker = Breaker()
    credentials: Credentials | None = Field(None, description="The API key's environment variable")
    dialect: Dialect | None = Field(None, description="adapter mapped: how the merchant's own API reads")

    @model_validator(mode="after")
    def _adapter(self) -> Backend:
        if self.adapter == "mapped" and self.dialect is None:
            raise ValueError("adapter mapped needs a dialect")
        if self.adapter == "standard" and self.dialect is not None:
            raise ValueError("adapter standard takes no dialect")
        if self.adapter == "standard" and self.credentials is None:
            raise ValueError("adapter standard needs credentials.api_key_env")
        return self

    def has(self, operation: str) -> bool:
        """Whether the merchant's card system can do an operation (the standard API does all)."""
        return self.dialect is None or self.dialect.has(operation)

    def can_give_back(self) -> bool:
        """Whether a paid leg can be given back in full (by reverse or by refund) when a split fails."""
        return self.dialect is None or self.dialect.give_back_by(None) is not None

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str, info: ValidationInfo) -> str:
        check_env_refs(value, info)
        sample = with_defaults(value, UNSET_HOST)
        # a reference without default at the start is the whole address: it is checked where it is used
        whole_url_unknown = sample.startswith(UNSET_HOST)
        if not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", "https://" + sample if whole_url_unknown else sample):
            raise ValueError(f"{value!r} is not an http(s) URL")
        problem = None if whole_url_unknown else policy_of(info).outbound.url_problem(sample)
        if problem:
            raise ValueError(problem)
        return value.rstrip("/")


class MerchantConfig(Model):
    """Everything ops can shape for one merchant."""

    brand: Brand
    currency: Literal["CNY"] = "CNY"
    default_locale: Locale = "zh-CN"
    timezone: str = Field("Asia/Shanghai", description="IANA zone in which shoppers see times")
    copy_overrides: dict[Locale, dict[str, Annotated[str, Field(min_length=1)]]] = Field(
        default_factory=dict, alias="copy", description="Per-locale overrides of shopper-visible text"
    )
    support: Support = Support()
    pages: Pages
    flows: Flows
    limits: Limits = Limits()
    checkout: CheckoutRules | None = Field(None, description="Omit to turn paying with cards off")
    paycode: PayCodeRules | None = Field(None, description="The in-store pay code; omit to turn it off")
    backend: Backend

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as Asia/Shanghai") from None
        return value

    @field_validator("copy_overrides")
    @classmethod
    def _known_keys(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        known = known_message_keys()
        for locale, texts in value.items():
            unknown = sorted(set(texts) - known)
            if unknown:
                raise ValueError(f"{locale}: unknown text keys {', '.join(unknown)}")
        bad = [
            (f"copy.{loc}.{key}", p)
            for loc, texts in value.items()
            for key, text in texts.items()
            if (p := override_problem(key, text))
        ]
        if bad:
            (key_path, problem), more = bad[0], len(bad) - 1
            message = problem + (f" (and {more} more in copy)" if more else "")
            raise PydanticCustomError("copy_text", "{message}", {"message": message, "key_path": key_path})
        return value

    @model_validator(mode="after")
    def _faces(self) -> MerchantConfig:
        if "default" not in self.brand.card_faces:
            raise ValueError("brand.card_faces needs a 'default' face")
        return self

    @model_validator(mode="after")
    def _operations(self) -> MerchantConfig:
        backend = self.backend
        if not backend.has("bind"):
            raise ValueError("backend.dialect.operations: bind is required (shoppers bind cards)")
        if self.flows.bind.method == "sms" and not backend.has("sms"):
            raise ValueError("flows.bind.method is sms but the dialect has no sms operation")
        if self.checkout is not None:
            if not (backend.has("pay") and backend.has("payment_status")):
                raise ValueError("checkout needs the pay and payment_status operations")
            if not backend.can_give_back() and self.checkout.max_cards > 1:
                raise ValueError(
                    "with neither reverse nor refund a failed split can't be undone: set checkout.max_cards: 1"
                )
        if self.paycode is not None and self.paycode.enabled and self.checkout is None:
            raise ValueError("paycode needs a checkout section: in-store payments follow its rules")
        return self

    @property
    def paycode_on(self) -> bool:
        return self.paycode is not None and self.paycode.enabled and self.checkout is not None

    def offers(self, feature: str) -> bool:
        """Whether shoppers see a feature: on in the flows and possible on the card system."""
        flags = {"history": self.flows.history, "unbind": self.flows.unbind, "refund": self.checkout is not None}
        operation = {"history": "transactions", "unbind": "unbind", "refund": "refund"}[feature]
        return flags[feature] and self.backend.has(operation)

    def text(self, value: dict[str, str], locale: str) -> str:
        """Pick a localized text, falling back to zh-CN."""
        return value.get(locale) or value["zh-CN"]
