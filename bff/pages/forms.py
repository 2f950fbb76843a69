"""The shopper pages' forms, shared with the ops preview that draws them in every state."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField


class BindForm(FlaskForm):
    card_number = StringField()
    secret = PasswordField()
    sms_code = StringField()
