#!/usr/bin/python3
"""Conformance test: a real `simkeep serve` against docs/openapi.yaml.

Usage: openapi_test.py SIMKEEP_BINARY OPENAPI_YAML

Starts the server on a free port with a fresh database in a temporary directory, on a fixed
clock (--now) with the sandbox payment provider, calls every documented operation (successes
and error cases, webhooks signed as the sandbox signs them) and checks each response:
  - its status is one of the operation's documented responses,
  - its media type is one the response documents, and its body validates against the schema
    (JSON Schema 2020-12, with every $ref resolved into components),
  - its documented headers (Idempotent-Replayed, Cache-Control) have the documented values,
  - every problem `code` (and field `errors[].code`) is in the error-code table with that status.
Finally every path+method of the document must have been exercised, and the API-facing sources
must not raise a reason the table lacks.

Only the standard library plus PyYAML and jsonschema. Bounded: the whole run is under a minute;
the server is always stopped and the temporary directory removed.
"""

import concurrent.futures
import copy
import datetime
import glob
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import jsonschema
import yaml
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


TOTAL_SECONDS = 55
REQUEST_TIMEOUT = 10
STARTUP_SECONDS = 20
LEADER_SECONDS = 10  # The election of a lone instance: its first flock, at once.
# The server's clock starts here (--now) and runs at real speed, so that dates, deadlines and
# webhook timestamps are the same on every run.
NOW = "2026-11-22T12:00:00+09:00"
WEBHOOK_SECRET = "whsec_sandbox"  # The sandbox's, set explicitly for the server.

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
JSON_TYPES = ("application/json", "application/problem+json")

# Reasons raised in the scanned sources that cannot reach an HTTP client, and why. Anything else
# the sources raise must be in the document's error table.
NOT_API_REASONS = {
    # Ledger journal rules for holds, linked batches and account creation: the API posts only
    # plain transfers between accounts it creates itself.
    "account_balances_not_zero", "account_currency_mismatch", "account_exists",
    "account_flags_exclusive", "account_id_empty", "account_id_too_long",
    "accounts_must_be_different", "credit_account_not_found", "debit_account_not_found",
    "linked_batch_too_large", "pending_id_must_be_empty", "pending_id_must_not_be_empty",
    "pending_transfer_accounts_mismatch", "pending_transfer_already_posted",
    "pending_transfer_already_voided", "pending_transfer_expired", "pending_transfer_not_found",
    "post_amount_exceeds_pending", "timeout_not_in_future", "timeout_on_non_pending",
    "transfer_code_too_long", "transfer_exists", "transfer_id_empty", "transfer_id_too_long",
    "transfer_reference_too_long", "void_amount_mismatch",
    # Balance rules no API flow can break: wallets are capped far below int64, and no account
    # the API credits has credits_must_not_exceed_debits.
    "balance_overflow", "exceeds_debits",
    # Accounts and refunds the API itself created moments earlier (missing = corrupt data).
    "account_not_found", "refund_not_found",
    # Unique keys the payment flows clash on by design and handle themselves (a webhook or a
    # refund seen before, the sandbox's own books).
    "refund_exists", "webhook_delivery_exists", "sandbox_charge_exists", "sandbox_refund_exists",
    # Startup and command-line only.
    "address_invalid", "listen_failed", "invoice_number_invalid", "invoice_number_checksum",
    "komoju_config_invalid",
    # Domain helpers the API does not call, or calls with input that cannot fail.
    "line_state_transition_invalid", "receipt_empty", "receipt_too_many_lines",
}

SOURCE_GLOBS = (
    "src/simkeep/http/*.cc",
    "src/simkeep/app/*.cc",
    "src/simkeep/app/payment_provider.h",  # What a provider answers by default.
    "src/simkeep/domain/*.cc",
    "src/simkeep/ledger/journal.cc",
    "src/simkeep/payments/sandbox/sandbox_provider.cc",
    "src/simkeep/payments/komoju/*.cc",  # The other provider (serve --payment-provider komoju).
    "src/simkeep/payments/komoju/internal/*.cc",
    "src/simkeep/storage/sqlite/internal/connection.cc",
)
REASON_PATTERNS = (
    r'\b(?:InvalidArgument|NotFound|FailedPrecondition|AlreadyExists|PermissionDenied|'
    r'Unauthenticated|Unavailable)\(\s*"([a-z][a-z0-9_]*)"',
    r'Error\{\s*ErrorCode::k\w+\s*,\s*"([a-z][a-z0-9_]*)"',
    r'TransportProblem\(\s*\d+\s*,\s*"([a-z][a-z0-9_]*)"',
    r'FieldError\{[^,{}]+,\s*"([a-z][a-z0-9_]*)"',
    r'\.Add\(\s*"[^"]*"\s*,\s*"([a-z][a-z0-9_]*)"\s*,',
    # The unique-key table of the SQLite store: {"table.column", "reason"}.
    r'\{\s*"[a-z_]+\.[a-z_]+"\s*,\s*"([a-z][a-z0-9_]*)"\s*\}',
    # Payment failure reasons of the sandbox card provider.
    r'failure_reason\s*=\s*"([a-z][a-z0-9_]*)"',
    # Refunds a provider refuses (402 with the refund).
    r'RefundOutcome\{\s*app::RefundStatus::kFailed\s*,\s*"([a-z][a-z0-9_]*)"',
    # Every failure reason a payment may end with (domain/payment_failure.cc): each is the code
    # of the 402 that answers a failed order.
    r'\{\s*"([a-z][a-z0-9_]*)"\s*,\s*k[A-Z]\w*\s*\}',
)
# Reasons of unique keys whose values the server generates (ids) or that only the CLI writes.
NOT_API_REASONS |= {
    "line_exists", "order_exists", "receipt_exists", "payment_exists", "pending_transfer_settled",
    "idempotency_key_exists", "api_key_exists", "bucket_exists", "event_exists", "carrier_exists",
    "plan_exists", "price_version_exists", "saved_method_exists", "sandbox_saved_card_exists",
    "scheduler_job_exists", "auto_renewal_exists", "notification_exists",
    "notification_settings_exists", "scheduler_cursor_exists", "webhook_endpoint_exists",
    "number_quarantine_exists", "usage_record_exists", "usage_day_exists", "line_usage_exists",
    "usage_charge_exists",
    # A reservation's id is generated; a clash on its (session_id, request_number) is answered
    # as reservation_conflict.
    "reservation_exists", "reservation_request_exists",
    # Every writable runtime has the key that seals webhook secrets.
    "secret_key_required",
    # Reasons the scheduler records on a job and a line event (GET /v1/lines/{id}/status shows
    # the event), never an answer to a request.
    "auto_renewal_cap_reached",
}

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class Timeout(Exception):
    pass


# --------------------------------------------------------------------------------------------
# The document


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.problems = []
        self.operations = {}  # (METHOD, template) -> operation (resolved)
        self.patterns = []  # (regex, template)
        self.error_codes = {}  # code -> set of statuses
        self._check_document()

    # Resolves every local $ref (components, or any JSON pointer into the document).
    def deref(self, node, depth=0):
        if depth > 64:
            raise ValueError("$ref nesting too deep (a cycle?)")
        if isinstance(node, list):
            return [self.deref(item, depth + 1) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = self.lookup(node["$ref"])
            resolved = self.deref(target, depth + 1)
            siblings = {k: self.deref(v, depth + 1) for k, v in node.items() if k != "$ref"}
            if not siblings:
                return resolved
            if set(siblings) <= {"summary", "description"}:
                return dict(resolved, **siblings)  # A Reference Object's own annotations.
            return {"allOf": [resolved], **siblings}  # A schema $ref beside other keywords.
        return {k: self.deref(v, depth + 1) for k, v in node.items()}

    def lookup(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local $refs are supported: " + ref)
        node = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                raise KeyError("unresolvable $ref " + ref)
            node = node[part]
        return node

    def _walk_refs(self, node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    try:
                        self.lookup(value)
                    except (KeyError, ValueError) as e:
                        self.problems.append("%s: %s" % (where, e))
                else:
                    self._walk_refs(value, where + "/" + str(key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                self._walk_refs(value, "%s/%d" % (where, i))

    def _check_document(self):
        doc = self.doc
        if not str(doc.get("openapi", "")).startswith("3.1."):
            self.problems.append("openapi must be 3.1.x, is %r" % doc.get("openapi"))
        self._walk_refs(doc, "#")
        if self.problems:
            return
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            try:
                jsonschema.Draft202012Validator.check_schema(self.deref(schema))
            except jsonschema.exceptions.SchemaError as e:
                self.problems.append("components/schemas/%s: %s" % (name, e.message))
        operation_ids = set()
        for template, item in doc.get("paths", {}).items():
            regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            self.patterns.append((re.compile(regex), template))
            for method, operation in item.items():
                if method not in HTTP_METHODS:
                    continue
                operation = self.deref(operation)
                self.operations[(method.upper(), template)] = operation
                oid = operation.get("operationId")
                if not oid or oid in operation_ids:
                    self.problems.append("%s %s: missing or duplicate operationId" %
                                         (method.upper(), template))
                operation_ids.add(oid)
                if not operation.get("responses"):
                    self.problems.append("%s %s: no responses" % (method.upper(), template))
                if template.startswith("/v1/") and "Roles:" not in operation.get("description", ""):
                    self.problems.append("%s %s: description does not say which roles may call it"
                                         % (method.upper(), template))
                self._check_examples(method.upper(), template, operation)
        self._check_error_table()

    def _check_examples(self, method, template, operation):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not body:
            return
        validator = make_validator(body["schema"])
        for name, example in body.get("examples", {}).items():
            for error in validator.iter_errors(example.get("value")):
                self.problems.append("%s %s example %s: %s" % (method, template, name,
                                                               error.message))

    def _check_error_table(self):
        table = self.doc.get("x-error-codes")
        if not isinstance(table, list) or not table:
            self.problems.append("x-error-codes is missing")
            return
        for row in table:
            code, statuses = row.get("code"), row.get("status")
            if not code or not isinstance(statuses, list) or not statuses:
                self.problems.append("x-error-codes: bad row %r" % row)
                continue
            if code in self.error_codes:
                self.problems.append("x-error-codes: %s listed twice" % code)
            self.error_codes[code] = set(statuses)
        # The human table in info.description must say the same.
        described = {}
        for match in re.finditer(r"^\|\s*`([a-z0-9_]+)`\s*\|\s*([0-9, ]+)\s*\|",
                                 self.doc["info"].get("description", ""), re.M):
            described[match.group(1)] = {int(s) for s in match.group(2).split(",") if s.strip()}
        if described != self.error_codes:
            for code in sorted(set(described) | set(self.error_codes)):
                if described.get(code) != self.error_codes.get(code):
                    self.problems.append("error table mismatch for %s: info.description %s, "
                                         "x-error-codes %s" % (code, described.get(code),
                                                               self.error_codes.get(code)))

    def find(self, method, path):
        for regex, template in self.patterns:
            if regex.match(path):
                return template, self.operations.get((method, template))
        return None, None


def date_time_format_checker():
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            raise ValueError("not RFC 3339: %r" % value)
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    return checker


FORMAT_CHECKER = date_time_format_checker()


def make_validator(schema):
    return jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


# --------------------------------------------------------------------------------------------
# HTTP


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body
        self.json = None
        self.media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if self.media_type in JSON_TYPES:
            try:
                self.json = json.loads(body.decode("utf-8"))
            except ValueError:
                self.json = None

    @property
    def code(self):
        return self.json.get("code") if isinstance(self.json, dict) else None

    def __repr__(self):
        return "%d %s" % (self.status, self.body[:300].decode("utf-8", "replace"))


def send(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else body.encode("utf-8")
        sent = dict(headers or {})
        if data is not None:
            sent.setdefault("Content-Type", "application/json")
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        payload = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
    finally:
        connection.close()


def send_raw(port, data):
    """Sends raw bytes and parses whatever response comes back (for transport-level errors)."""
    with socket.create_connection(("127.0.0.1", port), timeout=REQUEST_TIMEOUT) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks):
                    head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                    length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                    if length and len(rest) >= int(length.group(1)):
                        break
        except OSError:
            pass
    raw = b"".join(chunks)
    head, _, rest = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(status, headers, rest)


# --------------------------------------------------------------------------------------------
# The checks


class Conformance:
    def __init__(self, spec, port, started_at):
        self.spec = spec
        self.port = port
        self.started_at = started_at  # time.monotonic() when the server was started.
        self.failures = []
        self.exercised = set()
        self.codes_seen = {}  # code -> set of statuses
        self.calls = 0

    def fail(self, message):
        self.failures.append(message)
        print("FAIL: " + message, flush=True)

    def server_unix_seconds(self):
        """The server's clock now: NOW plus the time since it started (a little ahead of it)."""
        return int(datetime.datetime.fromisoformat(NOW).timestamp() +
                   (time.monotonic() - self.started_at))

    def call(self, method, path, token=None, body=None, key=None, headers=None,
             expect=None, code=None, replayed=False):
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = "Bearer " + token
        if key is not None:
            sent["Idempotency-Key"] = key
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        reply = send(self.port, method, path, body, sent)
        self.check(method, path, reply, expect, code, replayed)
        return reply

    def check(self, method, path, reply, expect=None, code=None, replayed=False):
        self.calls += 1
        what = "%s %s -> %d" % (method, path, reply.status)
        if expect is not None and reply.status != expect:
            self.fail("%s: expected status %d: %r" % (what, expect, reply))
        if code is not None and reply.code != code:
            self.fail("%s: expected code %s, got %s" % (what, code, reply.code))
        if replayed and reply.headers.get("idempotent-replayed") != "true":
            self.fail("%s: expected Idempotent-Replayed: true" % what)
        if not replayed and "idempotent-replayed" in reply.headers:
            self.fail("%s: unexpected Idempotent-Replayed header" % what)
        self._check_problem(what, reply)
        template, operation = self.spec.find(method, path.split("?")[0])
        if operation is None:
            # Not a documented operation (unknown route, unsupported method): only an error is
            # acceptable, and it must be a documented problem.
            if reply.status < 400 or reply.media_type != "application/problem+json":
                self.fail("%s: undocumented operation answered %r" % (what, reply))
            else:
                self._validate(what, reply, self.spec.deref(
                    {"$ref": "#/components/schemas/Problem"}))
            return
        self.exercised.add((method, template))
        response = operation["responses"].get(str(reply.status))
        if response is None:
            self.fail("%s: status not documented for %s %s (documented: %s)" %
                      (what, method, template, sorted(operation["responses"])))
            return
        for name, header in response.get("headers", {}).items():
            value = reply.headers.get(name.lower())
            if value is not None and "schema" in header:
                for error in make_validator(header["schema"]).iter_errors(value):
                    self.fail("%s: header %s: %s" % (what, name, error.message))
        if "idempotent-replayed" in reply.headers and "Idempotent-Replayed" not in response.get(
                "headers", {}):
            self.fail("%s: Idempotent-Replayed sent but not documented" % what)
        content = response.get("content", {})
        if not content:
            if reply.body:
                self.fail("%s: documented without a body but has one" % what)
            return
        if reply.media_type not in content:
            self.fail("%s: media type %r not documented (%s)" %
                      (what, reply.media_type, sorted(content)))
            return
        schema = content[reply.media_type].get("schema")
        if schema is None:
            return
        if reply.media_type in JSON_TYPES:
            self._validate(what, reply, schema)
        elif schema.get("type") == "string" and schema.get("const") is not None:
            if reply.body.decode("utf-8", "replace") != schema["const"]:
                self.fail("%s: body differs from the documented constant" % what)

    def _validate(self, what, reply, schema):
        if reply.json is None:
            self.fail("%s: body is not JSON: %r" % (what, reply))
            return
        for error in make_validator(schema).iter_errors(reply.json):
            self.fail("%s: schema: %s at /%s" %
                      (what, error.message, "/".join(str(p) for p in error.absolute_path)))

    def _check_problem(self, what, reply):
        if reply.status < 400:
            if reply.media_type == "application/problem+json":
                self.fail("%s: problem+json on a success" % what)
            return
        if reply.media_type != "application/problem+json":
            self.fail("%s: an error must be application/problem+json, is %r" %
                      (what, reply.media_type))
            return
        body = reply.json if isinstance(reply.json, dict) else {}
        code = body.get("code")
        if body.get("status") != reply.status:
            self.fail("%s: problem status %r differs from HTTP status" % (what, body.get("status")))
        self._note_code(what, code, reply.status)
        for field in body.get("errors") or []:
            if isinstance(field, dict):
                # A field's code is listed in the table (with the status it has on its own).
                if field.get("code") not in self.spec.error_codes:
                    self.fail("%s: field code %r is not in the error table" %
                              (what, field.get("code")))

    def _note_code(self, what, code, status):
        self.codes_seen.setdefault(code, set()).add(status)
        documented = self.spec.error_codes.get(code)
        if documented is None:
            self.fail("%s: code %r is not in the error table" % (what, code))
        elif status not in documented:
            self.fail("%s: code %r is documented with %s, not %d" %
                      (what, code, sorted(documented), status))


# --------------------------------------------------------------------------------------------
# The scenario


class Iccids:
    def __init__(self):
        self.n = 1000

    def next(self, issuer="898130"):
        self.n += 1
        payload = "%s%013d" % (issuer, self.n)
        return payload + luhn_check_digit(payload)


def card(number, exp_year=2030):
    return {"method": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": exp_year, "cvc": "123"}}


def request_example(spec, method, template, name):
    operation = spec.operations[(method, template)]
    return copy.deepcopy(
        operation["requestBody"]["content"]["application/json"]["examples"][name]["value"])


def scenario(spec, c, tokens, iccids):
    admin, clerk, kiosk, partner, agent = (tokens[r] for r in
                                           ("admin", "clerk", "kiosk", "partner", "agent"))

    # Health, readiness, metrics: no key.
    c.call("GET", "/healthz", expect=200)
    c.call("GET", "/readyz", expect=200)
    # The only instance on its database becomes the leader within a few seconds.
    deadline = time.monotonic() + LEADER_SECONDS
    while not (c.call("GET", "/healthz", expect=200).json or {}).get("leader"):
        if time.monotonic() > deadline:
            c.fail("/healthz never reports leader true for the only instance")
            break
        time.sleep(0.1)
    metrics = c.call("GET", "/metrics", expect=200)
    for needed in (b"simkeep_http_responses_total", b"simkeep_leader 1\n"):
        if needed not in metrics.body:
            c.fail("/metrics lacks %s" % needed.decode().strip())

    # Authentication.
    c.call("GET", "/v1/carriers", expect=401, code="unauthenticated")
    c.call("GET", "/v1/carriers", token="sk_not_a_key", expect=401, code="api_key_invalid")

    # Catalog: any role.
    for token in (admin, kiosk, partner):
        carriers = c.call("GET", "/v1/carriers", token=token, expect=200)
    if carriers.json and len(carriers.json["data"]) != 4:
        c.fail("expected the 4 sample carriers")
    plans = c.call("GET", "/v1/plans", token=partner, expect=200).json["data"]
    c.call("GET", "/v1/plans?carrier=au&kind=topping", token=kiosk, expect=200)
    c.call("GET", "/v1/plans?carrier=nowhere", token=kiosk, expect=200)
    plan_ids = {p["plan_id"]: p for p in plans}
    c.call("GET", "/v1/plans/sample-au-topping-3gb", token=clerk, expect=200)
    c.call("GET", "/v1/plans/no-such-plan", token=clerk, expect=404, code="plan_not_found")
    for needed in ("sample-au-base", "sample-au-topping-3gb", "sample-docomo-keeper-1gb",
                   "sample-docomo-ahamo-30gb"):
        if needed not in plan_ids:
            raise RuntimeError("the sample catalog lacks plan " + needed)

    # Provisioning: the documented examples, verbatim.
    sim_body = request_example(spec, "POST", "/v1/lines", "sim")
    sim = c.call("POST", "/v1/lines", token=admin, body=sim_body, expect=201).json
    esim_body = request_example(spec, "POST", "/v1/lines", "esim")
    esim = c.call("POST", "/v1/lines", token=admin, body=esim_body, key="prov-esim",
                  expect=201)
    replay = c.call("POST", "/v1/lines", token=admin, body=esim_body, key="prov-esim",
                    expect=201, replayed=True)
    if replay.body != esim.body:
        c.fail("a replayed provision differs from the first answer")
    esim = esim.json
    if "4711" in json.dumps(esim):
        c.fail("the eSIM confirmation code leaked into a response")
    other = dict(esim_body, iccid=iccids.next("898110"))
    c.call("POST", "/v1/lines", token=admin, body=other, key="prov-esim", expect=422,
           code="idempotency_key_reused")
    au_line = c.call("POST", "/v1/lines", token=admin,
                     body={"iccid": iccids.next(), "carrier": "au"}, expect=201).json["line_id"]
    docomo_line = c.call("POST", "/v1/lines", token=admin,
                         body={"iccid": iccids.next("898110"), "carrier": "docomo",
                               "msisdn": "+81 80 1111 2222", "imsi": "440101234567890"},
                         expect=201).json["line_id"]
    c.call("POST", "/v1/lines", token=admin,
           body={"iccid": sim_body["iccid"], "carrier": "au"}, expect=409, code="iccid_taken")
    c.call("POST", "/v1/lines", token=admin,
           body={"iccid": iccids.next(), "carrier": "au", "msisdn": "09012345678"},
           expect=409, code="msisdn_taken")
    bad_luhn = iccids.next()
    bad_luhn = bad_luhn[:-1] + ("1" if bad_luhn[-1] == "0" else "0")
    for body, code in (
            ("{not json", "json_malformed"),
            ("[1, 2]", "json_not_object"),
            ("[" * 40 + "]" * 40, "json_too_deep"),
            ({"iccid": iccids.next()}, "field_required"),
            ({"iccid": 8981, "carrier": "au"}, "field_invalid"),
            ({"iccid": "12345", "carrier": "au"}, "iccid_invalid"),
            ({"iccid": bad_luhn, "carrier": "au"}, "iccid_checksum"),
            ({"iccid": iccids.next(), "carrier": "au", "msisdn": "0312345678"}, "msisdn_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "imsi": "12"}, "imsi_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "eid": "1234"}, "eid_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "eid": "89049032" + "1" * 22 + "00"},
             "eid_checksum"),
            ({"iccid": iccids.next(), "carrier": "ntt"}, "carrier_unknown"),
            ({"iccid": iccids.next(), "carrier": "au", "form_factor": "usim"},
             "form_factor_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "service": "fax"}, "service_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "state": "grace"}, "state_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "form_factor": "esim"},
             "activation_code_required"),
            ({"iccid": iccids.next(), "carrier": "au", "activation_code": "LPA:1$a$b"},
             "activation_code_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "form_factor": "esim",
              "activation_code": "LPA:1$smdp.example.com$XYZ$$1"}, "confirmation_code_required"),
            ({"iccid": iccids.next(), "carrier": "au", "plan_id": "nope"}, "plan_id_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "plan_id": "sample-docomo-keeper-1gb"},
             "plan_id_invalid"),
            ({"iccid": iccids.next(), "carrier": "au", "expires_at": "tomorrow"}, "time_invalid"),
            ({"iccid": "1", "carrier": "x"}, "validation_failed")):
        c.call("POST", "/v1/lines", token=admin, body=body, expect=400, code=code)
    c.call("POST", "/v1/lines", token=admin, body={"iccid": iccids.next(), "carrier": "au"},
           key="k" * 256, expect=400, code="idempotency_key_invalid")
    for token in (clerk, kiosk, agent):
        c.call("POST", "/v1/lines", token=token, body={"iccid": iccids.next(), "carrier": "au"},
               expect=403, code="role_forbidden")
    # Over the body limit: the server answers from the headers alone.
    huge = send_raw(c.port, ("POST /v1/lines HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                             "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{"
                             % (admin, 5 << 20)).encode())
    c.check("POST", "/v1/lines", huge, expect=413, code="body_too_large")
    garbage = send_raw(c.port, b"NOT HTTP AT ALL\r\n\r\n")
    c.check("GET", "(malformed request)", garbage, expect=400, code="http_malformed")

    # Listing and lookups.
    page = c.call("GET", "/v1/lines?limit=1", token=admin, expect=200).json
    if not page["next_cursor"]:
        c.fail("a full page of lines must have a next_cursor")
    else:
        c.call("GET", "/v1/lines?limit=2&cursor=" + page["next_cursor"], token=agent, expect=200)
    c.call("GET", "/v1/lines", token=clerk, expect=200)
    found = c.call("GET", "/v1/lines?msisdn=090-1234-5678", token=admin, expect=200).json
    if [line["line_id"] for line in found["data"]] != [sim["line_id"]]:
        c.fail("lookup by msisdn did not find the provisioned line")
    masked = c.call("GET", "/v1/lines?msisdn=09012345678", token=kiosk, expect=200).json
    if masked["data"] and (masked["data"][0]["iccid"] is not None or
                           masked["data"][0]["msisdn"] != "+819*****5678"):
        c.fail("a kiosk must see a masked line: %r" % masked["data"][0])
    c.call("GET", "/v1/lines?iccid=" + esim_body["iccid"], token=kiosk, expect=200)
    c.call("GET", "/v1/lines?iccid=" + iccids.next(), token=admin, expect=200)
    c.call("GET", "/v1/lines", token=kiosk, expect=403, code="role_forbidden")
    c.call("GET", "/v1/lines?msisdn=09012345678", token=partner, expect=403,
           code="role_forbidden")
    c.call("GET", "/v1/lines?limit=0", token=admin, expect=400, code="limit_invalid")
    c.call("GET", "/v1/lines?limit=201", token=admin, expect=400, code="limit_invalid")
    c.call("GET", "/v1/lines?limit=ten", token=admin, expect=400, code="limit_invalid")
    c.call("GET", "/v1/lines?msisdn=0312345678", token=admin, expect=400, code="msisdn_invalid")
    c.call("GET", "/v1/lines?iccid=123", token=admin, expect=400, code="iccid_invalid")

    # One line.
    c.call("GET", "/v1/lines/" + esim["line_id"], token=admin, expect=200)
    c.call("GET", "/v1/lines/" + esim["line_id"], token=kiosk, expect=200)
    c.call("GET", "/v1/lines/ln_missing", token=clerk, expect=404, code="line_not_found")
    c.call("GET", "/v1/lines/" + au_line, token=partner, expect=403, code="role_forbidden")
    c.call("GET", "/v1/lines/" + au_line + "/status", token=agent, expect=200)
    c.call("GET", "/v1/lines/" + au_line + "/status", token=kiosk, expect=200)
    c.call("GET", "/v1/lines/ln_missing/status", token=admin, expect=404, code="line_not_found")
    c.call("GET", "/v1/lines/" + au_line + "/status", token=partner, expect=403,
           code="role_forbidden")
    qr = c.call("GET", "/v1/lines/%s/esim/qr.svg" % esim["line_id"], token=clerk, expect=200)
    if not qr.body.startswith(b"<svg"):
        c.fail("the QR code is not an SVG document")
    if qr.headers.get("cache-control") != "no-store":
        c.fail("the QR code must be sent with Cache-Control: no-store")
    c.call("GET", "/v1/lines/%s/esim/qr.svg" % sim["line_id"], token=admin, expect=404,
           code="esim_not_found")
    c.call("GET", "/v1/lines/ln_missing/esim/qr.svg", token=admin, expect=404,
           code="line_not_found")
    c.call("GET", "/v1/lines/%s/esim/qr.svg" % esim["line_id"], token=kiosk, expect=403,
           code="role_forbidden")

    # Top-ups.
    topups = "/v1/lines/%s/topups" % au_line
    cash = request_example(spec, "POST", "/v1/lines/{line_id}/topups", "cash")
    first = c.call("POST", topups, token=clerk, body=cash, key="cash-1", expect=201)
    cash_order = first.json
    if cash_order["status"] != "completed" or cash_order["payment"]["method"] != "cash" or \
            cash_order["channel"] != "store":
        c.fail("a cash top-up by a clerk must complete in the store channel: %r" % cash_order)
    again = c.call("POST", topups, token=clerk, body=cash, key="cash-1", expect=201,
                   replayed=True)
    if again.body != first.body:
        c.fail("a replayed top-up differs from the first answer")
    c.call("POST", topups, token=clerk, body=dict(cash, amount_jpy=700), key="cash-1",
           expect=422, code="idempotency_key_reused")
    # Decoding comes before the key's lookup, the other checks after it.
    c.call("POST", topups, token=clerk, body="{oops", key="cash-1", expect=400,
           code="json_malformed")
    c.call("POST", topups, token=clerk, body=dict(cash, amount_jpy=0), key="cash-1",
           expect=422, code="idempotency_key_reused")
    c.call("POST", topups, token=clerk, body=cash, expect=400, code="idempotency_key_required")
    c.call("POST", topups, token=clerk, body="{oops", key="bad-json", expect=400,
           code="json_malformed")
    card_body = request_example(spec, "POST", "/v1/lines/{line_id}/topups", "card")
    card_order = c.call("POST", topups, token=kiosk, body=card_body, key="card-1",
                        expect=201).json
    if card_order["payment"]["card"] != {"brand": "visa", "last4": "4242"}:
        c.fail("a card payment shows its brand and last four digits: %r" % card_order["payment"])
    declined_body = {"amount_jpy": 1000, "payment": card("4000000000000002")}
    declined = c.call("POST", topups, token=clerk, body=declined_body, key="card-declined",
                      expect=402, code="card_declined")
    if declined.json and declined.json.get("order", {}).get("status") != "failed":
        c.fail("a declined card leaves a failed order")
    declined_again = c.call("POST", topups, token=clerk, body=declined_body,
                            key="card-declined", expect=402, code="card_declined",
                            replayed=True)
    if declined_again.body != declined.body:
        c.fail("a replayed 402 differs from the first answer")
    failed_order = declined.json["order"]["order_id"]
    for number, reason in (("4000000000009995", "insufficient_funds"),
                           ("4000000000000069", "expired_card"),
                           ("4000000000000127", "limit_exceeded")):
        c.call("POST", topups, token=agent, body={"amount_jpy": 100, "payment": card(number)},
               key="card-" + number, expect=402, code=reason)
    c.call("POST", topups, token=admin, body=cash, key="cash-admin", expect=403,
           code="cash_requires_clerk")
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100, "payment": {"method": "balance"}},
           key="from-balance", expect=400, code="payment_method_not_allowed")
    for amount, code in ((0, "amount_not_positive"), (-5, "amount_not_positive"),
                         (100001, "amount_too_large"), (10.5, "field_invalid"),
                         ("1000", "field_invalid")):
        c.call("POST", topups, token=clerk,
               body={"amount_jpy": amount, "payment": {"method": "cash"}},
               key="amount-%r" % (amount,), expect=400, code=code)
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100, "payment": {"method": "gold"}},
           key="gold", expect=400, code="payment_method_invalid")
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100, "payment": {"method": "card"}},
           key="no-card", expect=400, code="field_required")
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100},
           key="no-payment", expect=400, code="field_required")
    c.call("POST", topups, token=clerk, body={"payment": {"method": 7}},
           key="two-wrong", expect=400, code="validation_failed")
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100,
                                              "payment": card("4242424242424241")},
           key="luhn", expect=400, code="card_number_invalid")
    c.call("POST", topups, token=clerk, body={"amount_jpy": 100,
                                              "payment": card("4242424242424242", 2020)},
           key="expired", expect=400, code="card_expiry_invalid")
    c.call("POST", "/v1/lines/ln_missing/topups", token=clerk, body=cash, key="missing",
           expect=404, code="line_not_found")
    c.call("POST", topups, token=partner, body=cash, key="partner", expect=403,
           code="role_forbidden")

    # The same card top-up sent many times at once: one order; the others replay it or are told
    # that the first is still running.
    race_body = {"amount_jpy": 150, "payment": card("5555555555554444")}
    with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(send, c.port, "POST", topups, json.dumps(race_body),
                               {"Authorization": "Bearer " + kiosk, "Idempotency-Key": "race"})
                   for _ in range(24)]
        race = [f.result() for f in futures]
    orders = set()
    for reply in race:
        replayed = reply.headers.get("idempotent-replayed") == "true"
        c.check("POST", topups, reply, replayed=replayed)
        if reply.status == 201:
            orders.add(reply.json["order_id"])
        elif reply.status != 409 or reply.code != "idempotency_key_in_use":
            c.fail("a concurrent retry must replay or answer 409 idempotency_key_in_use: %r"
                   % reply)
    if len(orders) > 1:
        c.fail("concurrent identical requests made %d orders" % len(orders))
    print("concurrent identical card top-ups: %d answered 201, %d answered 409" %
          (sum(r.status == 201 for r in race), sum(r.status == 409 for r in race)))

    # The wallet holds at most 1,000,000 yen.
    rich = c.call("POST", "/v1/lines", token=admin,
                  body={"iccid": iccids.next(), "carrier": "au"}, expect=201).json["line_id"]
    for i in range(10):
        c.call("POST", "/v1/lines/%s/topups" % rich, token=clerk,
               body={"amount_jpy": 100000, "payment": {"method": "cash"}}, key="fill-%d" % i,
               expect=201)
    c.call("POST", "/v1/lines/%s/topups" % rich, token=clerk,
           body={"amount_jpy": 1, "payment": {"method": "cash"}}, key="overflow", expect=422,
           code="balance_limit_exceeded")

    # Renewals.
    poor = c.call("POST", "/v1/lines", token=admin,
                  body={"iccid": iccids.next(), "carrier": "au"}, expect=201).json["line_id"]
    balance_renewal = request_example(spec, "POST", "/v1/lines/{line_id}/renewals", "balance")
    c.call("POST", "/v1/lines/%s/renewals" % poor, token=clerk, body=balance_renewal,
           key="renew-poor", expect=422, code="insufficient_balance")
    renewals = "/v1/lines/%s/renewals" % au_line
    renewed = c.call("POST", renewals, token=clerk, body=balance_renewal, key="renew-1",
                     expect=201)
    c.call("POST", renewals, token=clerk, body=balance_renewal, key="renew-1", expect=201,
           replayed=True)
    renewal_order = renewed.json
    if renewal_order["payment"]["method"] != "balance" or not renewal_order["receipt_number"]:
        c.fail("a renewal from balance completes with a receipt: %r" % renewal_order)
    card_renewal = request_example(spec, "POST", "/v1/lines/{line_id}/renewals", "card")
    docomo_renewals = "/v1/lines/%s/renewals" % docomo_line
    c.call("POST", docomo_renewals, token=kiosk, body=card_renewal, key="renew-card",
           expect=201)
    c.call("POST", docomo_renewals, token=kiosk,
           body=dict(card_renewal, payment=card("4000000000000002")), key="renew-declined",
           expect=402, code="card_declined")
    c.call("POST", docomo_renewals, token=clerk,
           body={"plan_id": "sample-docomo-keeper-1gb", "payment": {"method": "cash"}},
           key="renew-cash", expect=201)
    c.call("POST", docomo_renewals, token=kiosk,
           body={"plan_id": "sample-docomo-keeper-1gb", "payment": {"method": "cash"}},
           key="renew-cash-kiosk", expect=403, code="cash_requires_clerk")
    c.call("POST", renewals, token=clerk, body=balance_renewal, expect=400,
           code="idempotency_key_required")
    c.call("POST", renewals, token=clerk,
           body={"plan_id": "nope", "payment": {"method": "balance"}},
           key="renew-nope", expect=404, code="plan_not_found")
    c.call("POST", renewals, token=clerk,
           body={"plan_id": "sample-docomo-keeper-1gb", "payment": {"method": "balance"}},
           key="renew-mismatch", expect=422, code="plan_carrier_mismatch")
    c.call("POST", renewals, token=clerk, body={"payment": {"method": "balance"}},
           key="renew-no-plan", expect=400, code="field_required")
    c.call("POST", "/v1/lines/ln_missing/renewals", token=clerk, body=balance_renewal,
           key="renew-missing", expect=404, code="line_not_found")
    c.call("POST", renewals, token=partner, body=balance_renewal, key="renew-partner",
           expect=403, code="role_forbidden")
    status = c.call("GET", "/v1/lines/%s/status" % au_line, token=admin, expect=200).json
    if status["state"] != "active" or not status["buckets"] or not status["events"]:
        c.fail("a renewed line is active with buckets and events: %r" % status)

    # Plan change.
    change = "/v1/lines/%s/plan-change" % au_line
    c.call("POST", change, token=admin, body={"plan_id": "sample-au-base"}, key="change-1",
           expect=201)
    c.call("POST", change, token=admin, body={"plan_id": "sample-au-base"}, key="change-1",
           expect=201, replayed=True)
    c.call("POST", "/v1/lines/%s/plan-change" % docomo_line, token=agent,
           body=request_example(spec, "POST", "/v1/lines/{line_id}/plan-change", "change"),
           key="change-docomo", expect=201)
    c.call("POST", change, token=kiosk, body={"plan_id": "sample-au-base"}, key="change-kiosk",
           expect=403, code="role_forbidden")
    c.call("POST", change, token=admin, body={"plan_id": "sample-au-topping-3gb"},
           key="change-topping", expect=422, code="plan_not_base_plan")
    c.call("POST", change, token=admin, body={"plan_id": "sample-docomo-keeper-1gb"},
           key="change-mismatch", expect=422, code="plan_carrier_mismatch")
    c.call("POST", change, token=admin, body={"plan_id": "nope"}, key="change-nope",
           expect=404, code="plan_not_found")
    c.call("POST", "/v1/lines/ln_missing/plan-change", token=admin,
           body={"plan_id": "sample-au-base"}, key="change-missing", expect=404,
           code="line_not_found")
    c.call("POST", change, token=admin, body={"plan_id": "sample-au-base"}, expect=400,
           code="idempotency_key_required")
    c.call("POST", change, token=admin, body={}, key="change-empty", expect=400,
           code="field_required")

    # Orders and receipts.
    history = c.call("GET", "/v1/lines/%s/orders?limit=2" % au_line, token=clerk,
                     expect=200).json
    if not history["next_cursor"]:
        c.fail("a full page of orders must have a next_cursor")
    else:
        c.call("GET", "/v1/lines/%s/orders?cursor=%s" % (au_line, history["next_cursor"]),
               token=admin, expect=200)
    c.call("GET", "/v1/lines/%s/orders" % au_line, token=kiosk, expect=403, code="role_forbidden")
    c.call("GET", "/v1/lines/ln_missing/orders", token=admin, expect=404, code="line_not_found")
    c.call("GET", "/v1/lines/%s/orders?limit=-1" % au_line, token=admin, expect=400,
           code="limit_invalid")
    order_path = "/v1/orders/" + cash_order["order_id"]
    c.call("GET", order_path, token=clerk, expect=200)
    c.call("GET", order_path, token=kiosk, expect=200)
    c.call("GET", "/v1/orders/" + failed_order, token=agent, expect=200)
    c.call("GET", "/v1/orders/ord_missing", token=admin, expect=404, code="order_not_found")
    c.call("GET", order_path, token=partner, expect=403, code="role_forbidden")
    receipt = c.call("GET", order_path + "/receipt", token=clerk, expect=200).json
    if receipt["kind"] != "non_taxable" or receipt["totals"]["total_jpy"] != cash["amount_jpy"]:
        c.fail("a cash top-up has a non-taxable receipt for its amount: %r" % receipt)
    invoice = c.call("GET", "/v1/orders/%s/receipt" % renewal_order["order_id"], token=kiosk,
                     expect=200).json
    if invoice["kind"] != "qualified_invoice" or len(invoice["totals"]["by_rate"]) != 1:
        c.fail("a renewal has a qualified invoice with tax per rate: %r" % invoice)
    html = c.call("GET", order_path + "/receipt?format=html", token=clerk, expect=200)
    accept = c.call("GET", order_path + "/receipt", token=clerk,
                    headers={"Accept": "text/html,application/xhtml+xml"}, expect=200)
    for reply in (html, accept):
        if reply.media_type != "text/html":
            c.fail("an HTML receipt was asked for, got %r" % reply.media_type)
    forced = c.call("GET", order_path + "/receipt?format=json", token=clerk,
                    headers={"Accept": "text/html"}, expect=200)
    if forced.media_type != "application/json":
        c.fail("?format=json must win over Accept")
    c.call("GET", order_path + "/receipt?format=pdf", token=clerk, expect=400,
           code="format_unsupported")
    c.call("GET", "/v1/orders/%s/receipt" % failed_order, token=clerk, expect=404,
           code="receipt_not_found")
    c.call("GET", "/v1/orders/ord_missing/receipt", token=clerk, expect=404,
           code="receipt_not_found")
    c.call("GET", order_path + "/receipt", token=partner, expect=403, code="role_forbidden")

    # Routes that do not exist.
    c.call("GET", "/v1/nothing", token=admin, expect=404, code="route_not_found")
    c.call("GET", "/elsewhere", expect=404, code="route_not_found")
    c.call("DELETE", "/v1/plans", token=admin, expect=405, code="method_not_allowed")
    c.call("PUT", topups, token=admin, body="{}", expect=405, code="method_not_allowed")

    payments(spec, c, tokens, iccids)


def payments(spec, c, tokens, iccids):
    """Payment methods, every way to pay, and what follows a payment."""
    admin, clerk, kiosk, partner, agent = (tokens[r] for r in
                                           ("admin", "clerk", "kiosk", "partner", "agent"))

    # What each channel offers: the caller's own by default.
    online = c.call("GET", "/v1/payment-methods", token=admin, expect=200).json
    offered = {offer["method"]: offer for offer in online["data"]}
    if online["channel"] != "api" or "cash" in offered or offered["konbini"]["fee_jpy"] != 220 \
            or len(offered["konbini"]["stores"]) != 6 or offered["balance"]["for_topup"]:
        c.fail("the api channel offers every online method, konbini with its fee: %r" % online)
    store = c.call("GET", "/v1/payment-methods", token=clerk, expect=200).json
    if store["channel"] != "store" or store["data"][0]["method"] != "cash":
        c.fail("a clerk's counter offers cash first: %r" % store)
    c.call("GET", "/v1/payment-methods?channel=kiosk", token=partner, expect=200)
    c.call("GET", "/v1/payment-methods?channel=shop", token=kiosk, expect=400,
           code="channel_invalid")

    # The provider's methods: the order waits for the customer (202) with what to do next.
    line = c.call("POST", "/v1/lines", token=admin, body={"iccid": iccids.next(), "carrier": "au"},
                  expect=201).json["line_id"]
    topups = "/v1/lines/%s/topups" % line
    konbini_body = request_example(spec, "POST", "/v1/lines/{line_id}/topups", "konbini")
    konbini = c.call("POST", topups, token=admin, body=konbini_body, key="konbini",
                     expect=202).json
    action = konbini["payment"]["next_action"] or {}
    if konbini["fee_jpy"] != 220 or konbini["amount_jpy"] != konbini_body["amount_jpy"] + 220 \
            or action.get("store") != "lawson" \
            or action.get("expires_at") != "2026-11-25T23:59:59+09:00":
        c.fail("a konbini top-up carries its fee and is due 23:59:59 JST in three days: %r"
               % konbini)
    c.call("POST", topups, token=admin, body=konbini_body, key="konbini", expect=202,
           replayed=True)
    waiting = {}
    for method, kind in (("paypay", "qr_code"), ("linepay", "redirect"),
                         ("pay_easy", "pay_easy"), ("bank_transfer", "bank_transfer")):
        order = c.call("POST", topups, token=admin,
                       body={"amount_jpy": 500, "payment": {"method": method}},
                       key="wait-" + method, expect=202).json
        if (order["payment"]["next_action"] or {}).get("type") != kind:
            c.fail("a %s payment waits with a %s next action: %r" % (method, kind, order))
        waiting[method] = order
    c.call("POST", topups, token=kiosk,
           body=request_example(spec, "POST", "/v1/lines/{line_id}/topups", "paypay"),
           key="kiosk-paypay", expect=202)
    three_ds = c.call("POST", topups, token=kiosk,
                      body={"amount_jpy": 700, "payment": card("4000000000003220")},
                      key="3ds", expect=202).json
    if (three_ds["payment"]["next_action"] or {}).get("type") != "redirect":
        c.fail("the 3-D Secure test card redirects: %r" % three_ds)
    lost = c.call("POST", topups, token=kiosk,
                  body={"amount_jpy": 800, "payment": card("4000000000000408")},
                  key="lost", expect=202).json
    if lost["payment"]["status"] != "pending" or lost["payment"]["next_action"] is not None:
        c.fail("a charge whose answer was lost stays pending: %r" % lost)
    for token, payment, code in (
            (admin, {"method": "konbini"}, "field_required"),
            (admin, {"method": "konbini", "store": "7-eleven"}, "konbini_store_invalid"),
            (kiosk, {"method": "konbini", "store": "lawson"}, "payment_method_not_offered"),
            (admin, {"method": "voucher"}, "payment_method_not_offered"),
            (admin, {"method": "card", "card": {"number": "", "exp_month": 12,
                                                "exp_year": 2030}}, "card_required")):
        c.call("POST", topups, token=token, body={"amount_jpy": 100, "payment": payment},
               key="refused-" + code, expect=400, code=code)
    docomo = c.call("POST", "/v1/lines", token=admin,
                    body={"iccid": iccids.next("898110"), "carrier": "docomo"},
                    expect=201).json["line_id"]
    renewal = c.call("POST", "/v1/lines/%s/renewals" % docomo, token=admin,
                     body=request_example(spec, "POST", "/v1/lines/{line_id}/renewals",
                                          "pay_easy"),
                     key="renew-pay-easy", expect=202).json
    if renewal["fee_jpy"] != 220 or renewal["payment"]["next_action"]["type"] != "pay_easy":
        c.fail("a renewal by Pay-easy waits with its fee: %r" % renewal)

    # One payment; asking the provider about it; the sandbox playing the customer.
    payment_path = "/v1/payments/" + konbini["payment"]["payment_id"]
    shown = c.call("GET", payment_path, token=kiosk, expect=200).json
    if shown != konbini["payment"]:
        c.fail("a payment reads as its order showed it: %r" % shown)
    c.call("GET", payment_path, token=clerk, expect=200)
    c.call("GET", payment_path, token=partner, expect=403, code="role_forbidden")
    c.call("GET", "/v1/payments/pay_missing", token=admin, expect=404, code="payment_not_found")
    found = c.call("POST", "/v1/payments/%s/refresh" % lost["payment"]["payment_id"],
                   token=kiosk, expect=200).json
    if found["status"] != "completed" or found["payment"]["status"] != "succeeded":
        c.fail("refresh finds the charge whose answer was lost succeeded: %r" % found)
    c.call("POST", payment_path + "/refresh", token=clerk, expect=200)
    c.call("POST", "/v1/payments/pay_missing/refresh", token=admin, expect=404,
           code="payment_not_found")
    c.call("POST", payment_path + "/refresh", token=partner, expect=403, code="role_forbidden")
    c.call("GET", payment_path + "/refresh", token=admin, expect=405, code="method_not_allowed")
    simulate = "/v1/payments/%s/simulate"
    paypay = waiting["paypay"]["payment"]["payment_id"]
    paid = c.call("POST", simulate % paypay, token=admin,
                  body=request_example(spec, "POST", "/v1/payments/{payment_id}/simulate",
                                       "paid"), expect=200).json
    if paid["status"] != "completed" or paid["receipt_number"] is None:
        c.fail("a simulated payment completes its order: %r" % paid)
    c.call("POST", simulate % paypay, token=admin, body={"outcome": "succeeded"}, expect=422,
           code="payment_not_open")
    declined = c.call("POST", simulate % three_ds["payment"]["payment_id"], token=admin,
                      body=request_example(spec, "POST", "/v1/payments/{payment_id}/simulate",
                                           "declined"), expect=200).json
    if declined["status"] != "failed" or declined["failure_reason"] != "authentication_failed":
        c.fail("failed 3-D Secure fails the order: %r" % declined)
    konbini_payment = konbini["payment"]["payment_id"]
    c.call("POST", simulate % konbini_payment, token=admin, body={"outcome": "failed"},
           expect=400, code="simulation_invalid")
    c.call("POST", simulate % konbini_payment, token=admin, body={"outcome": "maybe"},
           expect=400, code="simulation_invalid")
    c.call("POST", simulate % konbini_payment, token=admin, body="[1]", expect=400,
           code="json_not_object")
    c.call("POST", simulate % konbini_payment, token=clerk, body={"outcome": "succeeded"},
           expect=403, code="role_forbidden")
    c.call("POST", simulate % "pay_missing", token=admin, body={"outcome": "succeeded"},
           expect=404, code="payment_not_found")
    cash = c.call("POST", topups, token=clerk,
                  body={"amount_jpy": 1000, "payment": {"method": "cash"}}, key="cash",
                  expect=201).json
    c.call("POST", simulate % cash["payment"]["payment_id"], token=admin,
           body={"outcome": "succeeded"}, expect=404, code="payment_not_found")

    # A new attempt for a failed order.
    pay_again = "/v1/orders/%s/payments"
    failed = declined["order_id"]
    c.call("POST", pay_again % failed, token=kiosk, body={"payment": card("4000000000000002")},
           key="again-declined", expect=402, code="card_declined")
    konbini_again = request_example(spec, "POST", "/v1/orders/{order_id}/payments", "konbini")
    for token, payment, status, code in (
            (admin, {"method": "cash"}, 403, "cash_requires_clerk"),
            (admin, {"method": "balance"}, 400, "payment_method_not_allowed"),
            (admin, {"method": "gold"}, 400, "payment_method_invalid"),
            (kiosk, konbini_again["payment"], 400, "payment_method_not_offered")):
        c.call("POST", pay_again % failed, token=token, body={"payment": payment},
               key="again-refused", expect=status, code=code)
    c.call("POST", pay_again % failed, token=admin, body={}, key="again-empty", expect=400,
           code="field_required")
    c.call("POST", pay_again % failed, token=admin, body=konbini_again, expect=400,
           code="idempotency_key_required")
    c.call("POST", pay_again % failed, token=partner, body=konbini_again, key="again-partner",
           expect=403, code="role_forbidden")
    c.call("POST", pay_again % "ord_missing", token=admin, body=konbini_again,
           key="again-missing", expect=404, code="order_not_found")
    again = c.call("POST", pay_again % failed, token=admin, body=konbini_again,
                   key="again-konbini", expect=202).json
    if again["order_id"] != failed or again["fee_jpy"] != 220 or \
            again["payment"]["payment_id"] == declined["payment"]["payment_id"]:
        c.fail("a new attempt pays the same order with its own payment and fee: %r" % again)
    c.call("POST", pay_again % failed, token=admin, body=konbini_again, key="again-open",
           expect=422, code="order_not_payable")
    refused = c.call("POST", topups, token=clerk,
                     body={"amount_jpy": 600, "payment": card("4000000000000002")},
                     key="declined-at-counter", expect=402).json["order"]["order_id"]
    cash_again = request_example(spec, "POST", "/v1/orders/{order_id}/payments", "cash")
    first = c.call("POST", pay_again % refused, token=clerk, body=cash_again, key="again-cash",
                   expect=201)
    replay = c.call("POST", pay_again % refused, token=clerk, body=cash_again, key="again-cash",
                    expect=201, replayed=True)
    if replay.body != first.body or first.json["status"] != "completed":
        c.fail("a new cash attempt completes the order and replays: %r" % first.json)
    c.call("POST", pay_again % refused, token=clerk, body=cash_again, key="again-done",
           expect=422, code="order_not_payable")

    # Webhooks: signed by the provider, stored once, never trusted for the outcome.
    event = request_example(spec, "POST", "/v1/webhooks/{provider}", "captured")
    event["data"]["payment_id"] = waiting["bank_transfer"]["payment"]["payment_id"]
    event = json.dumps(event)

    def signed(body, secret=WEBHOOK_SECRET, skew_seconds=0):
        sent = c.server_unix_seconds() + skew_seconds
        signature = hmac.new(secret.encode(), ("%d.%s" % (sent, body)).encode(),
                             hashlib.sha256).hexdigest()
        return {"Sandbox-Signature": "t=%d,v1=%s" % (sent, signature)}

    for duplicate in (False, True):
        receipt = c.call("POST", "/v1/webhooks/sandbox", body=event, headers=signed(event),
                         expect=200).json
        if receipt != {"received": True, "duplicate": duplicate}:
            c.fail("a webhook is received once, then as a duplicate: %r" % receipt)
    for headers in ({}, signed(event, secret="whsec_guess"), signed(event, skew_seconds=-3600)):
        c.call("POST", "/v1/webhooks/sandbox", body=event, headers=headers, expect=401,
               code="webhook_signature_invalid")
    c.call("POST", "/v1/webhooks/sandbox", body="[]", headers=signed("[]"), expect=400,
           code="webhook_malformed")
    c.call("POST", "/v1/webhooks/komoju", body=event, headers=signed(event), expect=404,
           code="provider_not_found")
    c.call("GET", "/v1/webhooks/sandbox", expect=405, code="method_not_allowed")
    status = c.call("GET", "/v1/orders/" + waiting["bank_transfer"]["order_id"], token=admin,
                    expect=200).json["status"]
    if status != "pending":
        c.fail("a webhook alone pays nothing: the order is %s" % status)

    # Refunds: back to the card, within what was paid, once per key.
    card_order = c.call("POST", topups, token=admin,
                        body={"amount_jpy": 2000, "payment": card("4242424242424242")},
                        key="card-to-refund", expect=201).json
    refunds = "/v1/payments/%s/refunds" % card_order["payment"]["payment_id"]
    partial = request_example(spec, "POST", "/v1/payments/{payment_id}/refunds", "partial")
    refunded = c.call("POST", refunds, token=agent, body=partial, key="refund-1", expect=201)
    if refunded.json["status"] != "succeeded" or \
            refunded.json["payment"]["refunded_jpy"] != partial["amount_jpy"]:
        c.fail("a refund succeeds and counts in the payment: %r" % refunded.json)
    again = c.call("POST", refunds, token=agent, body=partial, key="refund-1", expect=201,
                   replayed=True)
    if again.body != refunded.body:
        c.fail("a replayed refund differs from the first answer")
    c.call("POST", refunds, token=agent, body=dict(partial, amount_jpy=1), key="refund-1",
           expect=422, code="idempotency_key_reused")
    c.call("POST", refunds, token=agent, body=partial, expect=400,
           code="idempotency_key_required")
    for token in (clerk, kiosk):
        c.call("POST", refunds, token=token, body=partial, key="refund-role", expect=403,
               code="role_forbidden")
    for body, code in (({"amount_jpy": 0, "reason": "x"}, "refund_amount_invalid"),
                       ({"amount_jpy": 10, "reason": ""}, "refund_reason_required"),
                       ({"amount_jpy": 10}, "field_required"),
                       ({"amount_jpy": 9.5, "reason": "x"}, "field_invalid"),
                       ({}, "validation_failed"),
                       ("{", "json_malformed")):
        c.call("POST", refunds, token=agent, body=body, key="refund-bad", expect=400, code=code)
    c.call("POST", refunds, token=admin, body={"amount_jpy": 2000, "reason": "too much"},
           key="refund-too-much", expect=422, code="refund_exceeds_payment")
    rest = c.call("POST", refunds, token=admin, body={"amount_jpy": 1500, "reason": "returned"},
                  key="refund-rest", expect=201).json
    if rest["payment"]["status"] != "refunded":
        c.fail("a payment refunded in full is refunded: %r" % rest)
    c.call("POST", refunds, token=admin, body={"amount_jpy": 1, "reason": "again"},
           key="refund-more", expect=422, code="payment_not_refundable")
    c.call("POST", "/v1/payments/%s/refunds" % cash["payment"]["payment_id"], token=admin,
           body={"amount_jpy": 100, "reason": "cash"}, key="refund-cash", expect=422,
           code="payment_not_refundable")
    c.call("POST", "/v1/payments/pay_missing/refunds", token=admin, body=partial,
           key="refund-missing", expect=404, code="payment_not_found")
    listed = c.call("GET", refunds, token=clerk, expect=200).json["data"]
    if [refund["refund_id"] for refund in listed] != [refunded.json["refund_id"],
                                                      rest["refund_id"]]:
        c.fail("a payment lists its refunds oldest first: %r" % listed)
    c.call("GET", refunds, token=kiosk, expect=403, code="role_forbidden")
    c.call("GET", "/v1/payments/pay_missing/refunds", token=agent, expect=404,
           code="payment_not_found")
    c.call("PUT", refunds, token=admin, body="{}", expect=405, code="method_not_allowed")
    # A topped-up balance the customer has spent is not taken back.
    spender = c.call("POST", "/v1/lines", token=admin,
                     body={"iccid": iccids.next(), "carrier": "au"}, expect=201).json["line_id"]
    balance_renewal = request_example(spec, "POST", "/v1/lines/{line_id}/renewals", "balance")
    price = c.call("GET", "/v1/plans/" + balance_renewal["plan_id"], token=admin,
                   expect=200).json["price_jpy"]
    spent = c.call("POST", "/v1/lines/%s/topups" % spender, token=admin,
                   body={"amount_jpy": price, "payment": card("4242424242424242")},
                   key="to-spend", expect=201).json
    c.call("POST", "/v1/lines/%s/renewals" % spender, token=admin, body=balance_renewal,
           key="spend", expect=201)
    c.call("POST", "/v1/payments/%s/refunds" % spent["payment"]["payment_id"], token=agent,
           body={"amount_jpy": price, "reason": "spent"}, key="refund-spent", expect=422,
           code="insufficient_balance")

    # Saved cards: tokenised by the provider, charged by id, removed at once.
    methods = "/v1/lines/%s/payment-methods" % line
    example = request_example(spec, "POST", "/v1/lines/{line_id}/payment-methods", "card")
    saved = c.call("POST", methods, token=agent, body=example, key="save-1", expect=201).json
    if saved["status"] != "active" or saved["card"]["last4"] != "4242" or "token" in saved:
        c.fail("a saved card is active with its last four digits and no token: %r" % saved)
    c.call("POST", methods, token=agent, body=example, key="save-1", expect=201, replayed=True)
    c.call("POST", methods, token=agent, body=example, expect=400,
           code="idempotency_key_required")
    c.call("POST", methods, token=kiosk, body=example, key="save-kiosk", expect=403,
           code="role_forbidden")
    c.call("POST", methods, token=admin, body={"method": "paypay"}, key="save-paypay",
           expect=400, code="payment_method_not_savable")
    c.call("POST", methods, token=admin, body=card("4242424242424241"), key="save-luhn",
           expect=400, code="card_number_invalid")
    refused = c.call("POST", methods, token=admin, body=card("4000000000000002"),
                     key="save-declined", expect=402, code="card_declined").json
    if refused["saved_method"]["status"] != "failed":
        c.fail("a refused card is attached, failed: %r" % refused)
    c.call("POST", "/v1/lines/ln_missing/payment-methods", token=admin, body=example,
           key="save-missing", expect=404, code="line_not_found")
    listed = c.call("GET", methods, token=clerk, expect=200).json["data"]
    if [m["saved_method_id"] for m in listed] != [saved["saved_method_id"]]:
        c.fail("the line lists its one active card: %r" % listed)
    with_saved = {"method": "card", "saved_method_id": saved["saved_method_id"]}
    paid = c.call("POST", topups, token=admin, body={"amount_jpy": 700, "payment": with_saved},
                  key="pay-saved", expect=201).json
    if paid["payment"]["saved_method_id"] != saved["saved_method_id"]:
        c.fail("a payment names the saved card it charged: %r" % paid)
    c.call("POST", topups, token=admin,
           body={"amount_jpy": 700, "payment": dict(with_saved, method="paypay")},
           key="pay-saved-paypay", expect=400, code="saved_method_invalid")
    c.call("POST", topups, token=admin,
           body={"amount_jpy": 700, "payment": {"method": "card", "saved_method_id": "pm_x"}},
           key="pay-saved-missing", expect=404, code="saved_method_not_found")
    removed = c.call("DELETE", methods + "/" + saved["saved_method_id"], token=admin,
                     expect=200).json
    if removed["status"] != "removed":
        c.fail("a removed card says so: %r" % removed)
    c.call("DELETE", methods + "/pm_missing", token=admin, expect=404,
           code="saved_method_not_found")
    c.call("DELETE", methods + "/" + saved["saved_method_id"], token=kiosk, expect=403,
           code="role_forbidden")
    c.call("GET", methods + "/" + saved["saved_method_id"], token=admin, expect=405,
           code="method_not_allowed")
    c.call("POST", topups, token=admin, body={"amount_jpy": 700, "payment": with_saved},
           key="pay-removed", expect=404, code="saved_method_not_found")

    # Automatic renewal: the setting, checked against the catalog and the line's cards.
    auto = "/v1/lines/%s/auto-renewal" % line
    off = c.call("GET", auto, token=clerk, expect=200).json
    if off["enabled"] or off["plan_id"] is not None:
        c.fail("a line without automatic renewal shows it off: %r" % off)
    setting = request_example(spec, "PUT", "/v1/lines/{line_id}/auto-renewal", "balance")
    docomo = c.call("POST", "/v1/lines", token=admin,
                    body={"iccid": iccids.next(), "carrier": "docomo"}, expect=201).json["line_id"]
    docomo_auto = "/v1/lines/%s/auto-renewal" % docomo
    stored = c.call("PUT", docomo_auto, token=agent, body=setting, expect=200).json
    if not stored["enabled"] or stored["monthly_cap_jpy"] != setting["monthly_cap_jpy"]:
        c.fail("the setting is stored as sent: %r" % stored)
    c.call("PUT", auto, token=agent, body=setting, expect=422, code="plan_carrier_mismatch")
    c.call("PUT", docomo_auto, token=agent, body=dict(setting, monthly_cap_jpy=0), expect=400,
           code="monthly_cap_invalid")
    c.call("PUT", docomo_auto, token=agent, body=dict(setting, payment_method_id="pm_x"),
           expect=404, code="saved_method_not_found")
    c.call("PUT", docomo_auto, token=agent,
           body=dict(setting, plan_id="sample-docomo-visitor-5gb-21d"), expect=422,
           code="plan_not_auto_renewable")
    c.call("PUT", docomo_auto, token=agent, body=dict(setting, plan_id="no-such-plan"),
           expect=404, code="plan_not_found")
    c.call("PUT", docomo_auto, token=kiosk, body=setting, expect=403, code="role_forbidden")
    c.call("DELETE", docomo_auto, token=admin, expect=405, code="method_not_allowed")

    # Notifications: a line's settings and inbox; webhook endpoints; the dead-letter list.
    operator = tokens["operator"]
    settings_path = "/v1/lines/%s/notification-settings" % docomo
    defaults = c.call("GET", settings_path, token=clerk, expect=200).json
    if defaults["language"] != "ja" or defaults["email"] is not None or \
            defaults["updated_at"] is not None:
        c.fail("a line without settings shows the defaults: %r" % defaults)
    wanted = request_example(spec, "PUT", "/v1/lines/{line_id}/notification-settings", "email")
    stored = c.call("PUT", settings_path, token=agent, body=wanted, expect=200).json
    if stored["language"] != "zh-Hant" or stored["email"] != wanted["email"]:
        c.fail("the settings are stored as sent: %r" % stored)
    c.call("PUT", settings_path, token=agent, body=dict(wanted, language="ko"), expect=400,
           code="language_invalid")
    c.call("PUT", settings_path, token=agent, body=dict(wanted, email="not an address"),
           expect=400, code="email_invalid")
    c.call("PUT", settings_path, token=agent, body=dict(wanted, sms_to="09012345678"),
           expect=400, code="sms_to_invalid")
    c.call("PUT", "/v1/lines/ln_missing/notification-settings", token=agent, body=wanted,
           expect=404, code="line_not_found")
    c.call("PUT", settings_path, token=kiosk, body=wanted, expect=403, code="role_forbidden")
    inbox = c.call("GET", "/v1/lines/%s/inbox?limit=5" % docomo, token=clerk, expect=200).json
    if inbox["data"]:
        c.fail("a new line's inbox is empty: %r" % inbox)
    c.call("POST", "/v1/lines/%s/inbox/nt_missing/read" % docomo, token=clerk, expect=404,
           code="notification_not_found")
    endpoint_body = request_example(spec, "POST", "/v1/webhook-endpoints", "crm")
    endpoint = c.call("POST", "/v1/webhook-endpoints", token=admin, body=endpoint_body,
                      expect=201).json
    if not endpoint["secret"].startswith("whsec_") or endpoint["events"] != endpoint_body["events"]:
        c.fail("a new endpoint shows its secret once and its events: %r" % endpoint)
    listed = c.call("GET", "/v1/webhook-endpoints", token=admin, expect=200).json["data"]
    if any("secret" in e for e in listed) or endpoint["endpoint_id"] not in \
            [e["endpoint_id"] for e in listed]:
        c.fail("endpoints are listed without their secrets: %r" % listed)
    c.call("POST", "/v1/webhook-endpoints", token=admin, body={"url": "ftp://x.jp/"},
           expect=400, code="webhook_url_invalid")
    for private_url in ("http://127.0.0.1:9/hooks", "http://169.254.169.254/latest/meta-data/"):
        c.call("POST", "/v1/webhook-endpoints", token=admin, body={"url": private_url},
               expect=422, code="webhook_url_private")
    c.call("POST", "/v1/webhook-endpoints", token=admin,
           body={"url": "https://x.jp/", "events": ["line.exploded"]}, expect=400,
           code="webhook_event_unknown")
    c.call("POST", "/v1/webhook-endpoints", token=operator, body=endpoint_body, expect=403,
           code="role_forbidden")
    disabled = c.call("DELETE", "/v1/webhook-endpoints/" + endpoint["endpoint_id"], token=admin,
                      expect=200).json
    if disabled["disabled_at"] is None:
        c.fail("a deleted endpoint is disabled: %r" % disabled)
    c.call("DELETE", "/v1/webhook-endpoints/we_missing", token=admin, expect=404,
           code="webhook_endpoint_not_found")
    dead = c.call("GET", "/v1/notifications", token=operator, expect=200).json
    if dead["data"]:
        c.fail("nothing has failed to be delivered: %r" % dead)
    c.call("GET", "/v1/notifications?status=lost", token=operator, expect=400,
           code="status_invalid")
    c.call("GET", "/v1/notifications?status=sent", token=clerk, expect=403,
           code="role_forbidden")
    c.call("POST", "/v1/notifications/nt_missing/retry", token=operator, expect=404,
           code="notification_not_found")

    # Usage: a batch applied once, duplicates and rejections listed, the status's history.
    usage = request_example(spec, "POST", "/v1/usage", "cdrs")
    for record in usage["records"]:
        record.pop("msisdn", None)
        record.pop("imsi", None)
        record["line_id"] = docomo
    ids = sorted(record["record_id"] for record in usage["records"])
    applied = c.call("POST", "/v1/usage", token=operator, body=usage, expect=200).json
    if applied != {"accepted": 2, "duplicates": [], "rejected": [], "charged_jpy": 0,
                   "unpaid_jpy": 0}:
        c.fail("a new batch is applied whole: %r" % applied)
    again = c.call("POST", "/v1/usage", token=operator, body=usage, expect=200).json
    if again["accepted"] != 0 or sorted(again["duplicates"]) != ids:
        c.fail("a batch sent again changes nothing: %r" % again)
    first = usage["records"][0]
    bad = {"records": [dict(first, record_id="bad-1", kind="mms"),
                       dict(first, record_id="bad-2", line_id="ln_missing"),
                       7,
                       dict(first, record_id="bad-4", quantity=-5),
                       dict(first, record_id="bad-5", start="2027-01-01T00:00:00+09:00",
                            end="2027-01-01T00:00:00+09:00")]}
    rejected = c.call("POST", "/v1/usage", token=operator, body=bad, expect=200).json
    codes = [(r["index"], r["code"]) for r in rejected["rejected"]]
    if rejected["accepted"] != 0 or codes != [
            (0, "usage_kind_invalid"), (1, "line_not_found"), (2, "usage_record_invalid"),
            (3, "usage_quantity_invalid"), (4, "usage_in_future")]:
        c.fail("each bad record is rejected with its index and code: %r" % rejected)
    ndjson = "\n".join(json.dumps(dict(r, record_id=r["record_id"] + "-nd"))
                       for r in usage["records"]) + "\n"
    streamed = c.call("POST", "/v1/usage", token=admin, body=ndjson,
                      headers={"Content-Type": "application/x-ndjson"}, expect=200).json
    if streamed["accepted"] != 2:
        c.fail("NDJSON records are applied: %r" % streamed)
    c.call("POST", "/v1/usage", token=operator, body={"rows": []}, expect=400,
           code="usage_records_required")
    c.call("POST", "/v1/usage", token=operator, body={"records": [{}] * 10_001}, expect=400,
           code="usage_batch_too_large")
    c.call("POST", "/v1/usage", token=clerk, body=usage, expect=403, code="role_forbidden")
    c.call("GET", "/v1/usage", token=operator, expect=405, code="method_not_allowed")
    history = c.call("GET", "/v1/lines/%s/status" % docomo, token=clerk, expect=200).json
    if history["daily_usage"] != [{"date": "2026-11-21", "data_bytes": 2 * first["quantity"],
                                   "voice_seconds": 190, "sms": 0, "rated_jpy": 0}]:
        c.fail("the status shows the day's usage: %r" % history["daily_usage"])

    # Reservations: real-time quota for a network's charging front end, on a line with data.
    quota_line = c.call("POST", "/v1/lines", token=admin,
                        body={"iccid": iccids.next(), "carrier": "au"},
                        expect=201).json["line_id"]
    quota_plan = request_example(spec, "POST", "/v1/lines/{line_id}/renewals", "balance")
    quota_price = c.call("GET", "/v1/plans/" + quota_plan["plan_id"], token=admin,
                         expect=200).json["price_jpy"]
    c.call("POST", "/v1/lines/%s/topups" % quota_line, token=clerk,
           body={"amount_jpy": quota_price, "payment": {"method": "cash"}}, key="quota-cash",
           expect=201)
    c.call("POST", "/v1/lines/%s/renewals" % quota_line, token=clerk, body=quota_plan,
           key="quota-renew", expect=201)
    reservations = "/v1/lines/%s/reservations" % quota_line
    ask = request_example(spec, "POST", "/v1/lines/{line_id}/reservations", "data")
    held = c.call("POST", reservations, token=operator, body=ask, expect=201)
    repeated = c.call("POST", reservations, token=operator, body=ask, expect=201, replayed=True)
    if repeated.body != held.body:
        c.fail("a repeated session_id and request_number replays the first answer")
    held = held.json
    if held["granted"] != ask["requested"] or held["status"] != "open" or \
            held["tier"] != "quota":
        c.fail("a request within the quota is granted in full: %r" % held)
    first = "%s/%s" % (reservations, held["reservation_id"])
    if c.call("GET", first, token=admin, expect=200).json != held:
        c.fail("an open reservation reads as it was answered")
    used = request_example(spec, "POST", "/v1/lines/{line_id}/reservations/{reservation_id}/commit",
                           "used")
    committed = c.call("POST", first + "/commit", token=operator, body=used, expect=200)
    if committed.json["status"] != "committed" or committed.json["used"] != used["used"]:
        c.fail("a commit records the units used: %r" % committed.json)
    if c.call("POST", first + "/commit", token=operator, body=used, expect=200,
              replayed=True).body != committed.body:
        c.fail("a repeated commit replays its first answer")
    c.call("POST", first + "/commit", token=operator, body={"used": 1}, expect=422,
           code="reservation_committed")
    c.call("POST", first + "/release", token=admin, expect=422, code="reservation_committed")
    c.call("POST", first + "/commit", token=operator, body={"used": -1}, expect=400,
           code="used_units_invalid")
    c.call("POST", first + "/commit", token=operator, body={}, expect=400, code="field_required")
    second = c.call("POST", reservations, token=operator, body=dict(ask, request_number=1),
                    expect=201).json
    other = "%s/%s" % (reservations, second["reservation_id"])
    if c.call("POST", other + "/release", token=operator, expect=200).json["status"] != \
            "released":
        c.fail("a release frees the hold")
    c.call("POST", other + "/release", token=operator, body="{oops", expect=400,
           code="json_malformed")
    c.call("POST", other + "/commit", token=operator, body={"used": 5}, expect=422,
           code="reservation_released")
    c.call("POST", reservations, token=operator, body=dict(ask, requested=1), expect=422,
           code="reservation_request_reused")
    for body, code in ((dict(ask, request_number=2, kind="mms"), "usage_kind_invalid"),
                       (dict(ask, request_number=2, requested=0), "requested_units_invalid"),
                       (dict(ask, session_id=""), "session_id_invalid"),
                       (dict(ask, request_number=-1), "request_number_invalid"),
                       (dict(ask, request_number=2, rating_group=-1), "rating_group_invalid"),
                       (dict(ask, requested="lots"), "field_invalid"),
                       ({"session_id": "s", "kind": "data", "requested": 1}, "field_required"),
                       ({}, "validation_failed")):
        c.call("POST", reservations, token=operator, body=body, expect=400, code=code)
    c.call("POST", "/v1/lines/ln_missing/reservations", token=operator,
           body=dict(ask, request_number=9), expect=404, code="line_not_found")
    c.call("GET", reservations + "/rs_missing", token=operator, expect=404,
           code="reservation_not_found")
    c.call("POST", reservations + "/rs_missing/release", token=operator, expect=404,
           code="reservation_not_found")
    c.call("POST", reservations, token=clerk, body=ask, expect=403, code="role_forbidden")
    c.call("GET", reservations, token=operator, expect=405, code="method_not_allowed")

    # The sandbox's customer page: the redirect's target, with buttons that decide.
    url = waiting["linepay"]["payment"]["next_action"]["url"]
    page = url[url.index("/sandbox/pay/"):]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    shown = c.call("GET", page, expect=200)
    if shown.media_type != "text/html" or b'value="approve"' not in shown.body or \
            shown.headers.get("cache-control") != "no-store":
        c.fail("the sandbox page is HTML with the buttons, not cached: %r" % shown)
    c.call("POST", page, body="decision=maybe", headers=form, expect=400,
           code="simulation_invalid")
    c.call("POST", page, body="decision=approve", headers=form, expect=200)
    c.call("POST", page, body="decision=approve", headers=form, expect=422,
           code="payment_not_open")
    if c.call("GET", "/v1/orders/" + waiting["linepay"]["order_id"], token=admin,
              expect=200).json["status"] != "completed":
        c.fail("approving on the sandbox page completes the order")
    till = "/sandbox/pay/" + waiting["pay_easy"]["payment"]["payment_id"]
    instructions = c.call("GET", till, headers={"Accept-Language": "ja"}, expect=200)
    if b'lang="ja"' not in instructions.body:
        c.fail("the sandbox page speaks the customer's language")
    c.call("POST", till, body="decision=decline", headers=form, expect=400,
           code="simulation_invalid")
    c.call("GET", "/sandbox/pay/pay_missing", expect=404, code="payment_not_found")
    c.call("PUT", page, body="", expect=405, code="method_not_allowed")

    # The day's reconciliation: the provider's books against the ledger, on the server's day.
    day = NOW[:10]
    report = c.call("GET", "/v1/reports/reconciliation?date=" + day, token=admin,
                    expect=200).json
    methods = {total["method"] for total in report["totals"]}
    if report["date"] != day or not report["balanced"] or not {"card", "paypay"} <= methods:
        c.fail("the day's card and wallet payments reconcile: %r" % report)
    c.call("GET", "/v1/reports/reconciliation?date=22-11-2026", token=admin, expect=400,
           code="date_invalid")
    c.call("GET", "/v1/reports/reconciliation", token=admin, expect=400, code="date_invalid")
    c.call("GET", "/v1/reports/reconciliation?date=" + day, token=clerk, expect=403,
           code="role_forbidden")


# --------------------------------------------------------------------------------------------
# Sources versus the error table


def scan_sources(root):
    found = {}
    for pattern in SOURCE_GLOBS:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            if path.endswith("_test.cc"):
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for regex in REASON_PATTERNS:
                for match in re.finditer(regex, text):
                    found.setdefault(match.group(1), set()).add(os.path.relpath(path, root))
    return found


# --------------------------------------------------------------------------------------------
# Server


def run(binary, *args, timeout=15):
    return subprocess.run([binary] + list(args), check=True, capture_output=True, text=True,
                          timeout=timeout)


def die_with_parent():
    """Runs in the child before exec: the server gets SIGTERM if this script is killed."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def start_server(binary, workdir, database):
    port_file = os.path.join(workdir, "port")
    log = open(os.path.join(workdir, "server.log"), "wb")
    environment = dict(os.environ, SIMKEEP_SANDBOX_WEBHOOK_SECRET=WEBHOOK_SECRET)
    server = subprocess.Popen([binary, "--database", database, "--now", NOW, "serve", "--port",
                               "0", "--port-file", port_file],
                              stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=environment, preexec_fn=die_with_parent)
    started_at = time.monotonic()
    log.close()
    deadline = time.monotonic() + STARTUP_SECONDS
    port = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited with %d" % server.returncode)
        if port is None and os.path.exists(port_file):
            text = open(port_file).read()
            if text.endswith("\n") and text.strip().isdigit():
                port = int(text)
        if port is not None:
            try:
                if send(port, "GET", "/readyz").status == 200:
                    return server, port, started_at
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError("the server did not become ready within %d s" % STARTUP_SECONDS)


def stop_server(server):
    if server is None or server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def on_alarm(signum, frame):
    raise Timeout("the conformance test took longer than %d s" % TOTAL_SECONDS)


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    binary, spec_path = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TOTAL_SECONDS)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix="simkeep-openapi-")
    server = None
    failures = []
    try:
        spec = Spec(spec_path)
        failures += ["document: " + p for p in spec.problems]
        if spec.problems:
            raise RuntimeError("the document is invalid; not running the server")

        source_root = os.path.dirname(os.path.dirname(spec_path))
        raised = scan_sources(source_root)
        for code, files in sorted(raised.items()):
            if code not in spec.error_codes and code not in NOT_API_REASONS:
                failures.append("sources raise %r (%s) but the error table lacks it" %
                                (code, ", ".join(sorted(files))))
        for code in sorted(set(spec.error_codes) - set(raised)):
            failures.append("the error table lists %r but no scanned source raises it" % code)

        database = os.path.join(workdir, "db")
        run(binary, "--database", database, "migrate")  # The schema and the key file.
        tokens = {}
        for role in ("admin", "operator", "clerk", "kiosk", "partner", "agent"):
            tokens[role] = run(binary, "--database", database, "apikey", "create",
                               "--role", role).stdout.strip().splitlines()[-1]
        server, port, started_at = start_server(binary, workdir, database)
        checker = Conformance(spec, port, started_at)
        try:
            scenario(spec, checker, tokens, Iccids())
        finally:
            failures += checker.failures
        missing = sorted(set(spec.operations) - checker.exercised)
        for method, template in missing:
            failures.append("operation never exercised: %s %s" % (method, template))
        unseen = sorted(set(spec.error_codes) - set(checker.codes_seen))
        print("%d requests, %d operations, %d of %d documented codes observed" %
              (checker.calls, len(checker.exercised), len(spec.error_codes) - len(unseen),
               len(spec.error_codes)))
        print("documented codes not observed (not triggerable here): " + ", ".join(unseen))
        if server.poll() is not None:
            failures.append("the server died during the test (exit %d)" % server.returncode)
    except Exception as e:  # Report, then clean up; the test fails.
        failures.append("%s: %s" % (type(e).__name__, e))
        traceback.print_exc()
    finally:
        signal.alarm(0)
        stop_server(server)
        log_path = os.path.join(workdir, "server.log")
        if failures and os.path.exists(log_path):
            with open(log_path, encoding="utf-8", errors="replace") as f:
                tail = f.read()[-4000:]
            print("--- server log (tail) ---\n" + tail)
        shutil.rmtree(workdir, ignore_errors=True)
    print("elapsed %.1f s" % (time.monotonic() - started))
    if failures:
        print("\n%d failure(s):" % len(failures))
        for failure in failures:
            print("  - " + failure)
        return 1
    print("OK: every response conforms to " + spec_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
