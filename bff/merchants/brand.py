"""The brand part of a merchant's config: name, logo, colours in both schemes, card faces."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bff.merchants import palette
from bff.merchants.base import Colour, Model, Text
from bff.merchants.colors import MIN_TEXT_CONTRAST, contrast_ratio, scrim_over_any_picture


def _contrast(fg: str, bg: str, what: str) -> None:
    ratio = contrast_ratio(fg, bg)
    if ratio < MIN_TEXT_CONTRAST:
        raise ValueError(f"{what}: contrast {ratio:.2f}:1 is below {MIN_TEXT_CONTRAST}:1, text would be unreadable")


class Colours(Model):
    primary: Colour
    on_primary: Colour
    background: Colour = "#f5f6f8"
    surface: Colour = "#ffffff"
    text: Colour = "#1d2129"

    @model_validator(mode="after")
    def _readable(self) -> Colours:
        found = palette.problems(palette.with_tints(self.model_dump()))
        if found:
            raise ValueError("; ".join(p.message("light scheme") for p in found))
        return self


class DarkColours(Model):
    """Dark-scheme colours; any left out are derived from the light ones (readable by construction)."""

    primary: Colour | None = None
    on_primary: Colour | None = None
    background: Colour | None = None
    surface: Colour | None = None
    text: Colour | None = None


class CardFace(Model):
    label: Text
    background: Colour
    text: Colour
    art: str | None = Field(
        None, description="Path of a PNG, JPEG or WebP picture behind the face, relative to the config dir"
    )

    @model_validator(mode="after")
    def _readable(self) -> CardFace:
        _contrast(self.text, self.background, "card face text on its background")
        return self

    def scrim(self) -> str:
        """The veil of the face colour laid over its art, as thin as keeps the text readable on any picture."""
        return scrim_over_any_picture(self.background, self.text)


class Brand(Model):
    name: Text
    logo: str | None = Field(None, description="Path of an SVG, PNG, JPEG or WebP file, relative to the config dir")
    colours: Colours
    dark: DarkColours = Field(
        DarkColours(), description="Colours for phones in dark mode; those left out are derived from colours"
    )
    card_faces: dict[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")], CardFace] = Field(
        ..., min_length=1, description="Card face per card type; key 'default' is used for others"
    )

    @model_validator(mode="after")
    def _dark_readable(self) -> Brand:
        given = self.dark.model_dump()
        found = palette.problems(self.dark_scheme(), given)
        if found:
            first = found[0]
            key_path = "brand.dark" + (f".{first.keys[0]}" if first.keys else "")
            message = "; ".join(p.message("dark scheme") for p in found)
            raise PydanticCustomError("dark_contrast", "{message}", {"message": message, "key_path": key_path})
        return self

    def light_scheme(self) -> dict[str, str]:
        return palette.with_tints(self.colours.model_dump())

    def dark_scheme(self) -> dict[str, str]:
        return palette.dark_scheme(self.colours.model_dump(), self.dark.model_dump())

    def css_schemes(self) -> dict[str, dict[str, str]]:
        """The custom properties of each scheme, for brand.css."""
        light = palette.css_variables(self.light_scheme())
        light[palette.LINK_ON_WHITE] = palette.link_on_white(self.colours.primary)  # kept in the dark scheme too
        return {
            "light": light,
            "dark": palette.css_variables(self.dark_scheme()),
        }
