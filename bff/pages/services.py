"""The app's Kabao services (built once by create_app), for the request being served."""

from __future__ import annotations

from flask import current_app

from bff.services import Services


def services() -> Services:
    return current_app.extensions["kabao"]
