"""The adapter for merchant card APIs described in config (a dialect), not the standard one."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from bff.adapters.answers import (
    InProgressResult,
    StillInProgress,
    UnknownResult,
    derived_card_id,
    derived_row_id,
    items_of,
    result_error,
)
from bff.adapters.bodies import BodyCodec
from bff.adapters.dialect_codec import DialectCodec, get
from bff.adapters.dialect_requests import RequestWriter
from bff.adapters.http import HttpAdapter, HttpClient
from bff.adapters.mapped_payments import MappedPayments
from bff.adapters.paging import next_cursor, request_values
from bff.adapters.payment_answers import PaymentAnswers
from bff.adapters.sign_pipeline import SignPipeline
from bff.adapters.wire_secrets import WireSecrets
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import (
    BindRequest,
    Card,
    CardStatus,
    SmsSent,
    Transaction,
    TransactionPage,
    TxnKind,
)
from bff.merchants.dialect import Dialect, Operation
from bff.merchants.dialect_requests import reads_card_number
from bff.merchants.dialect_templates import TemplateProblem

log = logging.getLogger(__name__)


class MappedAdapter(MappedPayments, HttpAdapter):
    """Speaks one merchant's own card API as its dialect config describes; unknown is never success."""

    def __init__(self, client: HttpClient, dialect: Dialect, keys: Mapping[str, str]) -> None:
        """keys: the values of the environment variables the dialect names, read through the env policy."""
        super().__init__(client)
        self.dialect = dialect
        self.bodies = BodyCodec(dialect.encoding, dialect.charset, dialect.xml_root)
        self.signer = SignPipeline(dialect.signing, self.bodies, keys, name=client.name)
        self.secrets = WireSecrets(dialect.wire_secret, keys, name=client.name)
        self.codec = DialectCodec(dialect)
        self.requests = RequestWriter(dialect, self.codec)
        self.answers = PaymentAnswers(dialect, self.codec, client.name)
        self.number_read_by = {name for name in dialect.operations if reads_card_number(dialect, name)}
        signing = dialect.signing
        key = keys.get(signing.key_env or signing.private_key_env or "", "") if signing else ""
        self.id_key = hashlib.sha256(b"kabao card id\0" + key.encode()).digest()  # derived card ids only
        self.base_path = urlsplit(client.base_url).path  # signatures cover the whole path

    def supports(self, operation: str) -> bool:
        return self.dialect.has(operation)

    def give_back_by(self, age_seconds: float | None) -> str | None:
        return self.dialect.give_back_by(age_seconds)

    # requests -----------------------------------------------------------------------------

    def _call(self, name: str, values: dict[str, Any]) -> Any:
        """Send one operation; answer its data (at the dialect's data path), or raise our errors."""
        op: Operation = self.dialect.operations[name]
        moment = datetime.now(UTC)
        values = {"currency": "CNY", **values, "uuid": uuid.uuid4().hex}  # CNY: the only currency configured today
        if values.get("card_id") and "card_number" not in values and name in self.number_read_by:
            values["card_number"] = self._number_of(values["user_id"], values["card_id"])
        native = {**values, "now": moment}  # ours, for {{ expressions }}: fen amounts, the time as a time
        values["now"] = self.codec.format_time(moment)
        if "amount" in values and values["amount"] is not None:
            values["amount"] = self.codec.format_amount(values["amount"])
        values = self.secrets.apply(values)
        native["secret"] = values.get("secret")  # as it goes on the wire
        try:
            path, params = self.requests.write(op, values, native)
            extra = self.requests.headers(op, values, native)
        except TemplateProblem:
            # the reason may quote this call's values (a card number, a PIN): never logged
            log.error("%s %s: a request template failed on this call's values; not sent", self.client.name, name)
            raise CardSystemUnavailable(f"{name}: request template failed") from None
        path, kwargs, headers = self.signer.request(op.method, self.base_path, path, params)
        headers = {**extra, **headers}  # the signature's own headers can't be configured (validation)
        check = self.signer.answer_check()
        status, body = self.client.request(
            name,
            op.method,
            path,
            headers=headers,
            answer_check=check,
            answer_parser=self.signer.answer_parser(),
            **kwargs,
        )
        self._check(name, status, body)
        return get(body, self.dialect.data)

    def _check(self, name: str, status: int, body: Any) -> None:
        try:
            error = result_error(self.dialect.result, status, body)
        except InProgressResult as pending:
            log.info("%s %s: in progress (code %r)", self.client.name, name, str(pending.raw))
            raise StillInProgress(f"{name}: in progress", get(body, self.dialect.data)) from None
        except UnknownResult as unknown:
            code = None if unknown.raw is None else str(unknown.raw)
            log.warning("%s %s: unknown result code %r (HTTP %s)", self.client.name, name, code, status)
            raise CardSystemUnavailable(f"{name}: unknown result code") from None
        if error is None:
            return
        if error is ErrorCode.UNAVAILABLE:
            raise CardSystemUnavailable(f"{name}: card system says unavailable")
        raise CardSystemError(error)

    # cards ----------------------------------------------------------------------------------

    def _card(self, data: Any) -> Card:
        fields = self.dialect.card
        raw_status = str(get(data, fields.status))
        status = CardStatus(fields.status_map[raw_status])
        expires = get(data, fields.expires_on) if fields.expires_on else None
        expires_on = self.codec.parse_date(expires) if expires not in (None, "") else None
        if expires_on is not None and expires_on < date.today():
            status = CardStatus.EXPIRED  # whatever the system calls it, a card past its date can't pay
        raw_type = str(get(data, fields.type)) if fields.type else "default"
        balance = get(data, fields.balance) if fields.balance else None
        said = get(data, fields.registration) if fields.registration else None
        return Card(
            card_id=self._card_id(data),
            last4=str(get(data, fields.last4))[-4:],
            card_type=fields.type_map.get(raw_type, raw_type),
            status=status,
            currency="CNY",
            expires_on=expires_on,
            balance=None if balance is None else self.codec.parse_amount(balance),
            registration=None if said is None else fields.registration_map.get(str(said)),  # unmapped: config says
        )

    def _card_id(self, data: Any) -> str:
        fields = self.dialect.card
        if fields.id is not None:
            return str(get(data, fields.id))
        number = get(data, fields.id_from_number)
        if not isinstance(number, str | int) or isinstance(number, bool) or not str(number):
            raise ValueError("no card number to derive the card id from")
        return derived_card_id(self.id_key, str(number))

    def _number_of(self, user_id: str, card_id: str) -> str:
        """The number behind a card id, found among the shopper's own cards (sent only, never shown or kept)."""
        data = self._call("list_cards", {"user_id": user_id})
        op = self.dialect.operations["list_cards"]
        rows = self._parse("list_cards", lambda d: items_of(op, d), data)
        ids = self._parse("list_cards", lambda rs: [self._card_id(r) for r in rs], rows)
        row = next((row for row, row_id in zip(rows, ids, strict=True) if row_id == card_id), None)
        if row is None:
            raise CardSystemError(ErrorCode.CARD_NOT_FOUND)
        number = get(row, self.dialect.card.number_at())
        if not isinstance(number, str | int) or isinstance(number, bool) or not str(number):
            raise CardSystemUnavailable(f"list_cards: no card number for {op.answer or 'the card'}")
        return str(number)

    def bind(self, request: BindRequest) -> Card:
        values = {"user_id": request.user_id, "card_number": request.card_number}
        values |= {"secret": request.secret, "sms_code": request.sms_code}
        data = self._call("bind", values)
        return self._parse("bind", lambda d: self._card(get(d, self.dialect.operations["bind"].answer)), data)

    def list_cards(self, user_id: str) -> list[Card]:
        data = self._call("list_cards", {"user_id": user_id})
        op = self.dialect.operations["list_cards"]
        return self._parse("list_cards", lambda d: [self._card(c) for c in items_of(op, d)], data)

    def card_detail(self, user_id: str, card_id: str) -> Card:
        if not self.dialect.has("card_detail"):
            # no detail operation: the list carries balances (the config validation made sure)
            card = next((c for c in self.list_cards(user_id) if c.card_id == card_id), None)
            if card is None:
                raise CardSystemError(ErrorCode.CARD_NOT_FOUND)
        else:
            data = self._call("card_detail", {"user_id": user_id, "card_id": card_id})
            answer = self.dialect.operations["card_detail"].answer
            card = self._parse("card_detail", lambda d: self._card(get(d, answer)), data)
        if card.card_id != card_id or card.balance is None:
            raise CardSystemUnavailable("card_detail: answer for another card or without balance")
        return card

    def transactions(self, user_id: str, card_id: str, cursor: str | None, limit: int) -> TransactionPage:
        op = self.dialect.operations["transactions"]
        where, state = request_values(op.paging, cursor)
        data = self._call("transactions", {"user_id": user_id, "card_id": card_id, "limit": limit, **where})

        def parse(d: Any) -> TransactionPage:
            items = [self._transaction(t) for t in items_of(op, d)]
            return TransactionPage(tuple(items), next_cursor(op.paging, state, d, len(items), limit))

        return self._parse("transactions", parse, data)

    def _transaction(self, data: Any) -> Transaction:
        fields = self.dialect.transaction
        kind = TxnKind(fields.kind_map[str(get(data, fields.kind))])
        amount = self.codec.parse_amount(get(data, fields.amount))
        if not fields.amount_signed:
            amount = -abs(amount) if kind is TxnKind.PAYMENT else abs(amount)
        after = get(data, fields.balance_after) if fields.balance_after else None
        row_id = get(data, fields.id) if fields.id else derived_row_id([get(data, f) for f in fields.id_from])
        return Transaction(
            txn_id=str(row_id),
            kind=kind,
            amount=amount,
            balance_after=None if after is None else self.codec.parse_amount(after),
            created_at=self.codec.parse_time(get(data, fields.created_at)),
            description=str(get(data, fields.description) or "") if fields.description else "",
            payment_id=(get(data, fields.payment_id) or None) if fields.payment_id else None,
        )

    def unbind(self, user_id: str, card_id: str) -> None:
        self._call("unbind", {"user_id": user_id, "card_id": card_id})

    def send_sms_code(self, user_id: str, card_number: str) -> SmsSent:
        data = self._call("sms", {"user_id": user_id, "card_number": card_number})
        where = self.dialect.operations["sms"].masked_phone
        return SmsSent.to(get(data, where)) if where else SmsSent()

    def report_lost(self, user_id: str, card_id: str, secret: str) -> None:
        if not self.supports("report_lost"):
            super().report_lost(user_id, card_id, secret)  # not offered: the port says so
        data = self._call("report_lost", {"user_id": user_id, "card_id": card_id, "secret": secret})
        node = get(data, self.dialect.operations["report_lost"].answer)
        raw = get(node, self.dialect.card.status) if node is not None else None
        if raw is None:  # its success code and no card: the card system saying it is reported
            return
        if self.dialect.card.status_map.get(str(raw)) != CardStatus.FROZEN.value:
            log.warning("%s report_lost: answered card status %r, not frozen", self.client.name, str(raw))
            raise CardSystemUnavailable("report_lost: the card is not frozen in the answer")
