#!/usr/bin/env python3
"""A small stand-in for KOMOJU's Payments and Customers APIs, to test simkeep's KOMOJU adapter.

Written from KOMOJU's public documentation (doc.komoju.com, ja.doc.komoju.com, and the API
reference its SDKs are generated from): HTTP Basic auth with the secret key, payments
create/show/list/cancel/refund, customers create/show/list/delete with a card as their source,
the X-KOMOJU-IDEMPOTENCY header, payment statuses, payment_details per type, the test card
numbers, webhook signatures. Standard library only.

    fake_komoju.py --secret-key KEY --webhook-secret SECRET

It makes a self-signed certificate for 127.0.0.1 with the openssl command into a temporary
directory, listens with TLS on a free loopback port, prints one line of JSON to stdout
({"port": N, "ca_file": "/tmp/.../cert.pem"}) and serves until its stdin closes (so it ends with
the test process that started it, even one that crashed), then removes the directory.

Test-only control endpoints (no auth; loopback only):
    POST /_test/payments/<id>/capture   the customer pays (konbini, wallet, 3-D Secure)
    POST /_test/payments/<id>/expire    the deadline passes unpaid
    POST /_test/payments/<id>/fail      the customer fails 3-D Secure or the wallet declines
    POST /_test/delay?seconds=N         the next API call waits N seconds before it is handled
                                        (then completes: the payment exists after all)
    POST /_test/pad?bytes=N             the next API answer carries N bytes more (a "padding"
                                        member), to try the client's size bound
    GET  /_test/inflight                {"count": API calls being handled now}
    POST /_test/webhooks                {"type": "payment.captured", "payment": "<id>"} ->
                                        {"headers": {...}, "body": "<raw JSON>"}, signed as
                                        KOMOJU signs deliveries

Customers: POST /api/v1/customers takes payment_details of type credit_card (and an optional
email and metadata) and keeps the card as the customer's source ({type, brand,
last_four_digits, month, year}); a payment made with "customer" instead of payment_details
charges that card with the same test-card behaviour as a card entered directly. KOMOJU's
documentation does not say whether it checks a card when it makes a customer; this fake does,
as a card verification would: a test card that is declined, invalid, expired or fails its
security code is refused then (the customer is not made), while the cards that fail for want of
funds or limit fail at each charge. DELETE /api/v1/customers/<id> forgets the customer (404
afterwards, and payments with it are refused).

pay_easy and bank_transfer need, besides the email, the payer's family_name, given_name,
family_name_kana, given_name_kana and phone (KOMOJU's API reference lists all as required);
one missing or empty is a 422 missing_parameter naming it. The readings must be full-width
katakana and the phone 10 or 11 digits starting with 0, else a 422 invalid_parameter: KOMOJU
documents no format for them, so these are the fake's stricter reading.

What it does not do: sessions, subscriptions, updating customers, taxes, fees, currencies other
than JPY.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

JST = datetime.timezone(datetime.timedelta(hours=9))
KONBINI_STORES = {"seven-eleven", "lawson", "family-mart", "ministop", "daily-yamazaki",
                  "seicomart"}
DEFERRED_TYPES = {"konbini", "pay_easy", "bank_transfer"}
WALLET_TYPES = {"paypay", "alipay", "wechatpay", "merpay", "rakutenpay", "aupay", "paidy"}
# doc.komoju.com/docs/test-cards: the cards that succeed, those that fail with an error code,
# and those that go through 3-D Secure.
CARD_ERRORS = {
    "4123111111111000": "insufficient_funds",
    "4123111111111018": "exceeds_limit",
    "4123111111111034": "bad_verification_value",
    "4123111111111042": "card_expired",
    "4123111111111059": "card_declined",
    "4123111111111067": "invalid_number",
    "4123111111111075": "invalid_number",
}
THREE_D_SECURE_CARDS = {"4100000000000100", "5100000000000107", "3528000000000106"}
# The card errors a customer's card verification finds (see the docstring): these cards are
# never kept; the others fail at each charge.
VERIFICATION_ERRORS = {"card_declined", "invalid_number", "card_expired", "bad_verification_value"}
PAYER_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "phone")
# Full-width katakana letters, the middle dot, the prolonged sound mark and spaces.
KATAKANA_READING = re.compile(
    "[\u30a1-\u30fa\u30fb\u30fc \u3000]*[\u30a1-\u30fa][\u30a1-\u30fa\u30fb\u30fc \u3000]*")
JAPANESE_PHONE = re.compile("0[0-9]{9,10}")
MAX_PER_PAGE = 100


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def deadline(days):
    """23:59:59 JST on the days-th day after today's JST date (KOMOJU's konbini deadline)."""
    today = now_utc().astimezone(JST).date()
    due = today + datetime.timedelta(days=days)
    return iso(datetime.datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=JST))


def brand(number):
    if number.startswith("4"):
        return "visa"
    if number.startswith(("34", "37")):
        return "american_express"
    if number.startswith("35"):
        return "jcb"
    if number.startswith(("30", "36")):
        return "diners_club"
    return "master"


def digits(count):
    return "".join(secrets.choice("0123456789") for _ in range(count))


class ApiError(Exception):
    def __init__(self, status, code, message, param=None):
        super().__init__(message)
        self.status, self.code, self.message, self.param = status, code, message, param

    def body(self):
        return {"error": {"code": self.code, "message": self.message, "param": self.param,
                          "details": {}}}


class Komoju:
    """The merchant account: payments, idempotency keys, and the test controls' state."""

    def __init__(self, base_url, webhook_secret):
        self.base_url = base_url
        self.webhook_secret = webhook_secret
        self.lock = threading.Lock()
        self.payments = {}      # id -> payment object, in creation order.
        self.customers = {}     # id -> {"customer": customer object, "card": payment_details}
        self.idempotency = {}   # key -> {"fingerprint", "done", "status", "body"}
        self.delay_seconds = 0
        self.pad_bytes = 0
        self.inflight = 0

    # -- payments ------------------------------------------------------------------------------

    def create(self, params):
        amount = params.get("amount")
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ApiError(422, "invalid_parameter", "amount must be a positive integer", "amount")
        if params.get("currency") != "JPY":
            raise ApiError(422, "invalid_parameter", "currency must be JPY here", "currency")
        details = params.get("payment_details")
        customer = params.get("customer")
        if (details is None) == (customer is None):
            raise ApiError(422, "invalid_parameter",
                           "exactly one of payment_details and customer", "payment_details")
        created = now_utc()
        payment = {
            "id": secrets.token_hex(12), "resource": "payment", "status": "pending",
            "amount": amount, "tax": 0, "customer": customer, "payment_deadline": None,
            "payment_details": None, "payment_method_fee": 0, "total": amount,
            "currency": "JPY", "description": params.get("description"), "captured_at": None,
            "external_order_num": params.get("external_order_num"),
            "metadata": params.get("metadata") or {}, "created_at": iso(created),
            "amount_refunded": 0, "locale": "ja", "refunds": [], "refund_requests": [],
        }
        error = None
        if customer is not None:
            with self.lock:
                saved = self.customers.get(customer) if isinstance(customer, str) else None
            if saved is None:
                raise ApiError(422, "invalid_parameter", "No such customer", "customer")
            error = self.apply_card(payment, saved["card"])
        elif not isinstance(details, dict):
            raise ApiError(422, "invalid_parameter", "payment_details", "payment_details")
        else:
            error = self.apply_details(payment, details)
        with self.lock:
            self.payments[payment["id"]] = payment
        if error is not None:
            raise error
        return payment

    def apply_details(self, payment, details):
        """Fills the payment by its type; returns the ApiError of a declined card, if any."""
        kind = details.get("type")
        if kind == "credit_card":
            return self.apply_card(payment, details)
        if kind in DEFERRED_TYPES:
            self.apply_deferred(payment, kind, details)
        elif kind in WALLET_TYPES:
            payment["payment_details"] = {
                "type": kind, "redirect_url": self.base_url + "/_wallet/" + payment["id"]}
        else:
            raise ApiError(422, "invalid_payment_type", "unknown payment type", "type")
        return None

    def apply_card(self, payment, details):
        for field in ("number", "month", "year"):
            if not details.get(field):
                raise ApiError(422, "missing_parameter", "payment_details[%s] is missing" % field,
                               "payment_details[%s]" % field)
        number = str(details["number"])
        payment["payment_details"] = {
            "type": "credit_card", "email": details.get("email"), "brand": brand(number),
            "last_four_digits": number[-4:], "month": int(details["month"]),
            "year": 2000 + int(details["year"]) % 100}
        if number in THREE_D_SECURE_CARDS:
            payment["payment_details"]["redirect_url"] = (
                self.base_url + "/_3ds/" + payment["id"])
            return None
        code = CARD_ERRORS.get(number)
        if code is None:
            self.capture(payment)
            return None
        # Card errors come from the card network through KOMOJU ("502: the upstream payment
        # processor returned an error"); the attempt stays on the books as failed.
        payment["status"] = "failed"
        return ApiError(502, code, "The card was refused: " + code)

    def apply_deferred(self, payment, kind, details):
        if not details.get("email"):
            raise ApiError(422, "missing_parameter", "payment_details[email] is missing",
                           "payment_details[email]")
        if kind != "konbini":
            self.check_payer(details)
        days = details.get("expiry_days", 3)
        if not isinstance(days, int) or not 1 <= days <= 59:
            raise ApiError(422, "invalid_parameter", "expiry_days must be 1..59",
                           "payment_details[expiry_days]")
        instructions = self.base_url + "/_instructions/" + payment["id"]
        shown = {"type": kind, "email": details["email"], "instructions_url": instructions}
        if kind == "konbini":
            store = details.get("store")
            if store not in KONBINI_STORES:
                raise ApiError(422, "invalid_parameter", "unknown store",
                               "payment_details[store]")
            shown.update(store=store, receipt=digits(11),
                         confirmation_code=digits(4) if store != "seven-eleven" else None)
        elif kind == "pay_easy":
            shown.update(bank_id="58091", customer_id=digits(20), confirmation_id=digits(6))
        else:
            shown.update(order_id=digits(10), bank_name="テスト銀行",
                         account_branch_name="本店営業部", account_type="普通",
                         account_number=digits(7), account_name="コモジュ（カ")
        payment["status"] = "authorized"
        payment["payment_deadline"] = deadline(days)
        payment["payment_details"] = shown

    @staticmethod
    def check_payer(details):
        """The payer's names, readings and phone that pay_easy and bank_transfer require."""
        for field in PAYER_FIELDS:
            value = details.get(field)
            if not isinstance(value, str) or not value.strip():
                raise ApiError(422, "missing_parameter",
                               "payment_details[%s] is missing" % field,
                               "payment_details[%s]" % field)
        for field in ("family_name_kana", "given_name_kana"):
            if not KATAKANA_READING.fullmatch(details[field]):
                raise ApiError(422, "invalid_parameter", "must be full-width katakana",
                               "payment_details[%s]" % field)
        if not JAPANESE_PHONE.fullmatch(details["phone"]):
            raise ApiError(422, "invalid_parameter", "is not a phone number",
                           "payment_details[phone]")

    # -- customers -----------------------------------------------------------------------------

    def create_customer(self, params):
        details = params.get("payment_details")
        if not isinstance(details, dict):
            raise ApiError(422, "missing_parameter", "payment_details is missing",
                           "payment_details")
        if details.get("type") != "credit_card":
            raise ApiError(422, "invalid_payment_type", "customers keep credit cards only",
                           "payment_details[type]")
        for field in ("number", "month", "year"):
            if not details.get(field):
                raise ApiError(422, "missing_parameter", "payment_details[%s] is missing" % field,
                               "payment_details[%s]" % field)
        number = str(details["number"])
        code = CARD_ERRORS.get(number)
        if code in VERIFICATION_ERRORS:
            raise ApiError(502, code, "The card was refused: " + code)
        customer = {
            "id": secrets.token_hex(12), "resource": "customer", "email": params.get("email"),
            "source": {"type": "credit_card", "brand": brand(number),
                       "last_four_digits": number[-4:], "month": int(details["month"]),
                       "year": 2000 + int(details["year"]) % 100},
            "metadata": params.get("metadata") or {}, "created_at": iso(now_utc()),
        }
        card = {field: details[field] for field in ("number", "month", "year") if field in details}
        with self.lock:
            self.customers[customer["id"]] = {"customer": customer, "card": card}
        return customer

    def find_customer(self, customer_id):
        with self.lock:
            saved = self.customers.get(customer_id)
        if saved is None:
            raise ApiError(404, "not_found", "The requested resource could not be found.")
        return saved["customer"]

    def delete_customer(self, customer_id):
        with self.lock:
            saved = self.customers.pop(customer_id, None)
        if saved is None:
            raise ApiError(404, "not_found", "The requested resource could not be found.")
        return saved["customer"]

    def list_customers(self):
        with self.lock:
            customers = [saved["customer"] for saved in self.customers.values()]
        customers.reverse()  # Newest first.
        return {"resource": "list", "total": len(customers), "page": 1,
                "per_page": len(customers), "last_page": 1, "data": customers}

    @staticmethod
    def capture(payment):
        payment["status"] = "captured"
        payment["captured_at"] = iso(now_utc())

    def find(self, payment_id):
        with self.lock:
            payment = self.payments.get(payment_id)
        if payment is None:
            raise ApiError(404, "not_found", "The requested resource could not be found.")
        return payment

    def cancel(self, payment_id):
        payment = self.find(payment_id)
        with self.lock:
            if payment["status"] not in ("pending", "authorized"):
                raise ApiError(422, "not_cancellable", "This payment is noncancellable.")
            payment["status"] = "cancelled"
        return payment

    def refund(self, payment_id, params):
        payment = self.find(payment_id)
        with self.lock:
            kind = (payment["payment_details"] or {}).get("type")
            if payment["status"] != "captured" or kind in DEFERRED_TYPES:
                raise ApiError(422, "not_refundable",
                               "The payment you requested is not refundable.")
            left = payment["amount"] - payment["amount_refunded"]
            amount = params.get("amount", left)
            if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= left:
                raise ApiError(422, "invalid_parameter", "The value of amount is invalid.",
                               "amount")
            payment["refunds"].append({
                "id": secrets.token_hex(12), "resource": "refund", "amount": amount,
                "currency": "JPY", "payment": payment_id,
                "description": params.get("description"), "created_at": iso(now_utc()),
                "chargeback": False})
            payment["amount_refunded"] += amount
            if payment["amount_refunded"] == payment["amount"]:
                payment["status"] = "refunded"
        return payment

    def list(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        try:
            per_page = int(one("per_page") or 10)
            page = int(one("page") or 1)
        except ValueError:
            raise ApiError(422, "invalid_parameter", "per_page and page are numbers", "per_page")
        if per_page < 1 or page < 1:
            raise ApiError(422, "invalid_parameter", "must be greater than or equal to 1",
                           "per_page" if per_page < 1 else "page")
        per_page = min(per_page, MAX_PER_PAGE)
        start, end = one("start_time"), one("end_time")
        start = datetime.datetime.fromisoformat(start) if start else None
        end = datetime.datetime.fromisoformat(end) if end else None
        with self.lock:
            payments = list(self.payments.values())
        selected = []
        for payment in reversed(payments):  # Newest first.
            created = datetime.datetime.fromisoformat(payment["created_at"])
            if ((start and created < start) or (end and created >= end)
                    or any(one(name) is not None and payment.get(name) != one(name)
                           for name in ("external_order_num", "status", "currency"))):
                continue
            selected.append(payment)
        last_page = (len(selected) + per_page - 1) // per_page
        return {"resource": "list", "total": len(selected), "page": page, "per_page": per_page,
                "last_page": last_page,
                "data": selected[(page - 1) * per_page:page * per_page]}

    # -- test controls -------------------------------------------------------------------------

    def control(self, action, payment_id):
        payment = self.find(payment_id)
        with self.lock:
            if payment["status"] not in ("pending", "authorized"):
                raise ApiError(422, "not_open", "The payment is no longer open.")
            if action == "capture":
                self.capture(payment)
                (payment["payment_details"] or {}).pop("redirect_url", None)
            elif action == "expire":
                payment["status"] = "expired"
            elif action == "fail":
                payment["status"] = "failed"
            else:
                raise ApiError(404, "not_found", "unknown control")
        return payment

    def webhook(self, params):
        data = {}
        if params.get("payment"):
            data = self.find(params["payment"])
        event = {"id": secrets.token_hex(12), "type": params.get("type", "ping"),
                 "resource": "event", "data": data, "created_at": iso(now_utc())}
        body = json.dumps(event)
        signature = hmac.new(self.webhook_secret.encode(), body.encode(),
                             hashlib.sha256).hexdigest()
        return {"headers": {"X-Komoju-ID": secrets.token_hex(12),
                            "X-Komoju-Event": event["type"],
                            "X-Komoju-Signature": signature},
                "body": body}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    komoju = None        # Set by main().
    authorization = None

    def log_message(self, format, *args):  # Quiet: the tests' output is for the tests.
        pass

    def do_GET(self):
        self.handle_call("GET")

    def do_POST(self):
        self.handle_call("POST")

    def do_DELETE(self):
        self.handle_call("DELETE")

    def handle_call(self, method):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            if url.path.startswith("/_test/"):
                status, body = self.control(method, url, raw)
            else:
                status, body = self.api(method, url, raw)
        except ApiError as error:
            status, body = error.status, error.body()
        if not url.path.startswith("/_test/"):
            with self.komoju.lock:
                pad, self.komoju.pad_bytes = self.komoju.pad_bytes, 0
            if pad:
                body = dict(body, padding="x" * pad)
        self.reply(status, body)

    def reply(self, status, body):
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # The client gave up waiting (the delayed-call tests).
        self.close_connection = True

    def api(self, method, url, raw):
        if self.headers.get("Authorization") != self.authorization:
            raise ApiError(401, "unauthorized", "User authorization failed")
        komoju = self.komoju
        with komoju.lock:
            komoju.inflight += 1
        try:
            key = self.headers.get("X-KOMOJU-IDEMPOTENCY") if method == "POST" else None
            if key:
                return self.idempotent(key, method, url, raw)
            self.wait_if_delayed()
            return self.route(method, url, raw)
        finally:
            with komoju.lock:
                komoju.inflight -= 1

    def wait_if_delayed(self):
        with self.komoju.lock:
            seconds, self.komoju.delay_seconds = self.komoju.delay_seconds, 0
        if seconds:
            time.sleep(seconds)

    def idempotent(self, key, method, url, raw):
        """ja.doc.komoju.com/docs/idempotent-requests: the same key and body replay the first
        answer; a key whose first request is still running gets 409. KOMOJU requires retries to
        send the same body but names no error for another one; this fake answers 422."""
        komoju = self.komoju
        fingerprint = hashlib.sha256(method.encode() + url.path.encode() + raw).hexdigest()
        if len(key) > 100:
            raise ApiError(422, "invalid_parameter", "idempotency key too long",
                           "X-KOMOJU-IDEMPOTENCY")
        with komoju.lock:
            entry = komoju.idempotency.get(key)
            if entry is None:
                entry = {"fingerprint": fingerprint, "done": False}
                komoju.idempotency[key] = entry
            elif entry["fingerprint"] != fingerprint:
                raise ApiError(422, "unprocessable_entity",
                               "The idempotency key was used with another request.")
            elif not entry["done"]:
                raise ApiError(409, "conflict", "A request with this key is still running.")
            else:
                return entry["status"], entry["body"]
        self.wait_if_delayed()
        try:
            status, body = self.route(method, url, raw)
        except ApiError as error:
            status, body = error.status, error.body()
        with komoju.lock:
            entry.update(done=True, status=status, body=body)
        return status, body

    def route(self, method, url, raw):
        parts = [part for part in url.path.split("/") if part]
        params = self.params(raw) if method == "POST" else {}
        if parts[:3] == ["api", "v1", "customers"]:
            return self.route_customers(method, parts[3:], params)
        if parts[:3] != ["api", "v1", "payments"]:
            raise ApiError(404, "not_found", "The requested resource could not be found.")
        rest = parts[3:]
        if method == "POST" and not rest:
            return 200, self.komoju.create(params)
        if method == "GET" and not rest:
            return 200, self.komoju.list(urllib.parse.parse_qs(url.query))
        if method == "GET" and len(rest) == 1:
            return 200, self.komoju.find(rest[0])
        if method == "POST" and len(rest) == 2 and rest[1] == "cancel":
            return 200, self.komoju.cancel(rest[0])
        if method == "POST" and len(rest) == 2 and rest[1] == "refund":
            return 200, self.komoju.refund(rest[0], params)
        raise ApiError(404, "not_found", "The requested resource could not be found.")

    def route_customers(self, method, rest, params):
        if method == "POST" and not rest:
            return 200, self.komoju.create_customer(params)
        if method == "GET" and not rest:
            return 200, self.komoju.list_customers()
        if method == "GET" and len(rest) == 1:
            return 200, self.komoju.find_customer(rest[0])
        if method == "DELETE" and len(rest) == 1:
            return 200, self.komoju.delete_customer(rest[0])
        raise ApiError(404, "not_found", "The requested resource could not be found.")

    @staticmethod
    def params(raw):
        try:
            params = json.loads(raw or b"{}")
        except ValueError:
            raise ApiError(400, "bad_request", "The body is not JSON.")
        if not isinstance(params, dict):
            raise ApiError(400, "bad_request", "The body is not a JSON object.")
        return params

    def control(self, method, url, raw):
        komoju = self.komoju
        parts = [part for part in url.path.split("/") if part]
        if method == "POST" and len(parts) == 4 and parts[1] == "payments":
            return 200, komoju.control(parts[3], parts[2])
        if method == "POST" and parts == ["_test", "delay"]:
            seconds = float(urllib.parse.parse_qs(url.query).get("seconds", ["0"])[0])
            with komoju.lock:
                komoju.delay_seconds = seconds
            return 200, {"delay_seconds": seconds}
        if method == "POST" and parts == ["_test", "pad"]:
            pad = int(urllib.parse.parse_qs(url.query).get("bytes", ["0"])[0])
            with komoju.lock:
                komoju.pad_bytes = pad
            return 200, {"pad_bytes": pad}
        if method == "GET" and parts == ["_test", "inflight"]:
            with komoju.lock:
                return 200, {"count": komoju.inflight}
        if method == "POST" and parts == ["_test", "webhooks"]:
            return 200, komoju.webhook(self.params(raw))
        raise ApiError(404, "not_found", "unknown control endpoint")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    ssl_context = None

    def finish_request(self, request, client_address):
        # TLS is set up in the connection's own thread, so that one slow handshake cannot hold
        # up the others.
        try:
            connection = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(connection, client_address, self)
        except (ssl.SSLError, OSError):
            pass
        finally:
            connection.close()


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--webhook-secret", required=True)
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="fake_komoju_")
    try:
        cert, key = make_certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server = Server(("127.0.0.1", 0), Handler)
        server.ssl_context = context
        port = server.server_address[1]
        Handler.komoju = Komoju("https://127.0.0.1:%d" % port, args.webhook_secret)
        Handler.authorization = "Basic " + base64.b64encode(
            (args.secret_key + ":").encode()).decode()

        def stop_when_stdin_closes():
            sys.stdin.buffer.read()
            server.shutdown()

        threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
        print(json.dumps({"port": port, "ca_file": cert}), flush=True)
        server.serve_forever()
        server.server_close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
