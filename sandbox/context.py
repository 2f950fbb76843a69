"""What every request needs: the database, the seed and the process settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from sandbox.db import Database
from sandbox.hostapi import HostApi
from sandbox.seed import Profile, Rules, Seed


@dataclass(frozen=True)
class Sandbox:
    """The sandbox's state, held in app.extensions["sandbox"]."""

    db: Database
    seed: Seed
    config_dir: Path
    bff_url: str
    api_key: str
    host_secret: str
    host_api: HostApi
    olive_sign_key: str = ""  # empty: every olive request is refused as badly signed
    maple_hmac_key: str = ""  # empty: every maple request is refused as badly signed
    gateway_xml_key: str = ""  # empty: every gateway_xml request is refused as badly signed


@dataclass(frozen=True)
class CardSystem:
    """One card system (/cs/<id>/v1, or a dialect's prefix with the same id) with its profile and rules."""

    id: str
    profile: Profile
    rules: Rules


def current() -> Sandbox:
    """The running app's sandbox state."""
    return current_app.extensions["sandbox"]


def card_system(system: str) -> CardSystem:
    """The card system with this id, as the seed describes it."""
    seed = current().seed
    return CardSystem(system, seed.profile_for(system), seed.rules)
