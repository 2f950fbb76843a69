"""A copy override that slipped past validation costs its own text, never the page."""

from __future__ import annotations

import pytest
from kabao_testing import text_of


def with_override(app, locale: str, key: str, text: str) -> None:
    """Put an override in the live registry as if validation had let it through."""
    registry = app.extensions["kabao"].registry
    merchant = registry.get("lime-market")
    config = merchant.config.model_copy(update={"copy_overrides": {locale: {key: text}}})
    registry._merchants["lime-market"] = type(merchant)(merchant.id, config, merchant.version, merchant.path)


@pytest.mark.parametrize("bad", ["Expires {oops}", "{date.__class__.__mro__}", "{date!r}", "Valid {"])
def test_a_bad_override_at_render_time_shows_the_catalogue_text(app, client, launch, card_system, bad):
    launch(locale="en")
    with_override(app, "en", "card.expires", bad)
    page = client.get("/wallet?js=0")
    assert page.status_code == 200
    assert "Valid until" in text_of(page)
    assert "class" not in text_of(page) and "Expires" not in text_of(page)


def test_a_good_override_is_filled_in(app, client, launch, card_system):
    launch(locale="en")
    with_override(app, "en", "card.expires", "Good till {date}")
    assert "Good till" in text_of(client.get("/wallet?js=0"))
