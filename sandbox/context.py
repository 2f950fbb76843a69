"""What every request needs: the database, the seed and the process settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
    keys: Mapping[str, str] = field(default_factory=dict)  # sandbox/keys.py; a missing key refuses every request


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
