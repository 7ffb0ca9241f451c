#!/usr/bin/env python3
"""Tests of `simkeep migrate --from sqlite:PATH --to postgresql://...`: moving a deployment.

Usage: migrate_test.py PATH_TO_SIMKEEP [unittest arguments]
Needs SIMKEEP_TEST_PG_URI (a throw-away PostgreSQL server, as scripts/with_postgres.sh starts
one; the test fails without it), psql, and the Python standard library.

Once for the whole file, the real binary builds a SQLite database holding every kind of record:
lines (SIM, voice with a number, eSIM with a sealed confirmation code, and enough bulk lines that
the copy shows progress), line events, buckets, top-ups, renewals and a plan change, cash, card
and declined-card payments, receipts with their lines and per-rate totals, ledger accounts and
transfers, idempotency keys, API keys and the catalog, with Japanese text, tabs, newlines and
backslashes in the free-text fields. The source server stays up during the copy (a live SQLite
database), and its answers are recorded first.

Each test copies into a fresh database (CREATE DATABASE ... LC_COLLATE 'C') and checks:
  * the copy: every table identical row by row (both dumped in COPY text format ordered by
    primary key), the same tables on both sides, `simkeep audit` on the copy passing with the
    source's totals, a server on the copy answering exactly as the source did (line status,
    orders, receipts as JSON and HTML), new top-ups on the copy getting the next seq numbers,
    and a second copy into it refused;
  * the refusals, each leaving the destination without simkeep rows: a destination that is not
    empty, --from without --to and the reverse, a source that is not SQLite (a text file, a
    PostgreSQL URL, a missing file), a row PostgreSQL refuses halfway through the copy, and a
    source whose ledger audit fails.
"""

import datetime
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


BINARY = None  # Set from the command line.
PG_URI = os.environ.get("SIMKEEP_TEST_PG_URI", "")
NOW = "2026-03-01T10:00:00+09:00"  # Every simkeep process runs on this clock, so both agree.
# Free text that COPY's text format must escape (backslash, tab, newline) next to Japanese.
ISSUER = "サンプル通信株式会社\\本店\t(受付)\n二行目"
ADMIN_KEY_NAME = "管理者\\窓口\t1\n2"
BULK_LINES = 12_000  # Above the copy's progress step (10,000 rows), so its progress shows.
COMMAND_TIMEOUT_SECONDS = 120
READY_TIMEOUT_SECONDS = 30
SKIPPED_TABLES = {"schema_migrations"}  # Filled by each side's own Migrate().


def iccid(prefix, serial):
    payload = "%s%013d" % (prefix, serial)
    return payload + luhn_check_digit(payload)


def copy_text(value):
    """One value as PostgreSQL's COPY TO writes it in text format."""
    if value is None:
        return "\\N"
    if isinstance(value, int):
        return str(value)
    escapes = {"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
               "\v": "\\v"}
    return "".join(escapes.get(char, char) for char in value)


def psql(url, command):
    completed = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url,
                                "-c", command], capture_output=True, timeout=60)
    if completed.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (command, completed.stderr.decode()))
    return completed.stdout.decode("utf-8")


def database_url(name):
    return PG_URI.rsplit("/", 1)[0] + "/" + name


def create_database(name):
    psql(PG_URI, "CREATE DATABASE %s TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'" % name)
    return database_url(name)


def simkeep(*arguments, database=None, cwd=None):
    command = [BINARY] + (["--database", database] if database else []) + list(arguments)
    return subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT_SECONDS, cwd=cwd)


def request(port, method, path, token, body=None, key=None):
    """(status, response headers, body text) of one request."""
    headers = {"Authorization": "Bearer " + token, "Connection": "close"}
    if key:
        headers["Idempotency-Key"] = key
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=payload, headers=headers)
        answer = connection.getresponse()
        return (answer.status, {k.lower(): v for k, v in answer.getheaders()},
                answer.read().decode("utf-8"))
    finally:
        connection.close()


class Server:
    """`simkeep serve` on port 0, for one database."""

    started = 0  # Numbers each server's port and log files.

    def __init__(self, directory, database, key_file):
        Server.started += 1
        self.directory = directory
        self.port_file = os.path.join(directory, "port-%d" % Server.started)
        self.log_path = os.path.join(directory, "server-%d.log" % Server.started)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [BINARY, "--database", database, "--secret-key-file", key_file, "--now", NOW,
                 "--issuer-name", ISSUER, "--webhook-allow-private", "serve", "--port", "0",
                 "--port-file", self.port_file],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.port = None
        self.started_at = time.monotonic()  # No later than the start of its clock at NOW.
        self.ready_at = None  # No earlier than the start of its clock.
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("simkeep serve exited: %s" % self.log())
            try:
                with open(self.port_file) as file:
                    text = file.read()
                if text.endswith("\n"):
                    self.port = int(text)
                    self.ready_at = time.monotonic()
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError("simkeep serve did not start: %s" % self.log())

    def log(self):
        with open(self.log_path, "rb") as log:
            return log.read()[-3000:].decode("utf-8", "replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def sqlite_tables(path):
    """{table: (columns, primary key columns)} of a SQLite database, simkeep's tables only."""
    connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
        tables = {}
        for name in names:
            info = list(connection.execute("SELECT name, pk FROM pragma_table_info(?) "
                                           "ORDER BY cid", (name,)))
            key = [column for column, position in sorted(
                ((column, pk) for column, pk in info if pk > 0), key=lambda item: item[1])]
            tables[name] = ([column for column, _ in info], key)
        return tables
    finally:
        connection.close()


def order_by(columns):
    return ", ".join('"%s"' % column for column in columns)


def dump_sqlite(path, table, columns, key):
    connection = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    try:
        rows = connection.execute('SELECT %s FROM "%s" ORDER BY %s'
                                  % (order_by(columns), table, order_by(key)))
        return ["\t".join(copy_text(value) for value in row) for row in rows]
    finally:
        connection.close()


def dump_postgres(url, table, columns, key):
    text = psql(url, 'COPY (SELECT %s FROM "%s" ORDER BY %s) TO STDOUT'
                % (order_by(columns), table, order_by(key)))
    return text.split("\n")[:-1] if text else []


class Source:
    """The SQLite database every test copies, built once by the real binary."""

    def __init__(self):
        self.directory = tempfile.mkdtemp(prefix="simkeep-migrate-")
        self.path = os.path.join(self.directory, "simkeep.db")
        self.key_file = self.path + ".key"
        self.server = None

    def cli(self, *arguments):
        completed = simkeep("--now", NOW, "--issuer-name", ISSUER, *arguments,
                            database=self.path)
        if completed.returncode != 0:
            raise AssertionError("simkeep %s failed: %s%s"
                                 % (" ".join(arguments), completed.stdout, completed.stderr))
        return completed.stdout

    def write_csv(self, name, rows):
        path = os.path.join(self.directory, name)
        with open(path, "w") as file:
            file.write("\n".join(rows) + "\n")
        return path

    def line_id(self, line_iccid):
        return json.loads(self.cli("line", "--iccid", line_iccid))["line_id"]

    def build(self):
        self.cli("migrate")  # Creates the database and its key file.
        self.admin = self.cli("apikey", "create", "--role", "admin", "--name",
                              ADMIN_KEY_NAME).strip()
        self.clerk = self.cli("apikey", "create", "--role", "clerk", "--name", "受付").strip()
        self.iccids = {
            "esim": iccid("898110", 1),
            "voice": iccid("898130", 2),
            "data": iccid("898110", 3),
            # Lapsed long before the tick below, which terminates it and quarantines its number.
            "lapsed": iccid("898130", 7),
        }
        self.cli("import", "lines", self.write_csv("lines.csv", [
            "iccid,carrier,msisdn,form_factor,service,activation_code,confirmation_code,state,"
            "expires_at",
            self.iccids["esim"] + ",docomo,,esim,data,LPA:1$smdp.example.com$ABC-123$$1,4711,"
            "active,2026-12-31T23:59:59+09:00",
            self.iccids["voice"] + ",au,090-1234-5678,sim,voice,,,,",
            self.iccids["data"] + ",docomo,,sim,data,,,,",
            self.iccids["lapsed"] + ",docomo,080-2222-3333,sim,voice,,,active,"
            "2025-12-31T23:59:59+09:00",
        ]))
        self.cli("import", "lines", self.write_csv("bulk.csv", ["iccid,carrier,service"] + [
            iccid("898140", 5_000_000 + serial) + ",rakuten,data"
            for serial in range(BULK_LINES)]))
        self.lines = {kind: self.line_id(number) for kind, number in self.iccids.items()}
        self.orders = []
        for output in (self.cli("topup", self.lines["data"], "--amount", "3000"),
                       self.cli("renew", self.lines["data"], "--plan",
                                "sample-docomo-keeper-1gb", "--method", "balance"),
                       self.cli("renew", self.lines["voice"], "--plan", "sample-au-topping-3gb",
                                "--method", "cash")):
            self.orders.append(json.loads(output)["order_id"])
        self.server = Server(self.directory, self.path, self.key_file)
        self.api_writes()
        self.answers = self.read_answers(self.server.port)
        # At most this much time had passed on the server's clock (which starts at NOW and runs
        # on) when it answered: the copy's server answers no earlier on its own clock.
        self.answered_after = time.monotonic() - self.server.started_at

    def api_writes(self):
        port = self.server.port
        status, _, body = request(port, "POST", "/v1/lines", self.admin, {
            "iccid": iccid("898110", 4), "carrier": "docomo", "form_factor": "esim",
            "service": "data", "activation_code": "LPA:1$smdp.example.com$XYZ-9$$1",
            "confirmation_code": "0042"}, key="provision-1")
        assert status == 201, body
        self.lines["api_esim"] = json.loads(body)["line_id"]
        card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        declined = dict(card, number="4000000000000002")
        writes = [
            (self.admin, "topups", self.lines["api_esim"], "card-1",
             {"amount_jpy": 5000, "payment": {"method": "card", "card": card}}, 201),
            (self.admin, "topups", self.lines["api_esim"], "card-2",
             {"amount_jpy": 700, "payment": {"method": "card", "card": declined}}, 402),
            (self.clerk, "topups", self.lines["voice"], "cash-1",
             {"amount_jpy": 1234, "payment": {"method": "cash"}}, 201),
            (self.clerk, "renewals", self.lines["api_esim"], "renew-1",
             {"plan_id": "sample-docomo-mvno-2gb", "payment": {"method": "balance"}}, 201),
            (self.admin, "plan-change", self.lines["data"], "change-1",
             {"plan_id": "sample-docomo-ahamo-30gb"}, 201),
        ]
        payments = {}
        for token, kind, line, key, body, expected in writes:
            status, _, answer = request(port, "POST", "/v1/lines/%s/%s" % (line, kind), token,
                                        body, key=key)
            assert status == expected, (kind, key, status, answer)
            order = json.loads(answer)
            order = order["order"] if status == 402 else order
            self.orders.append(order["order_id"])
            if order["payment"]:
                payments[key] = order["payment"]["payment_id"]
        self.payment_writes(port, payments)
        # An automatic renewal, run by `simkeep tick` when due (its setting and its job).
        status, _, answer = request(port, "PUT", "/v1/lines/%s/auto-renewal" % self.lines["data"],
                                    self.admin, {"enabled": True,
                                                 "plan_id": "sample-docomo-keeper-1gb",
                                                 "payment_method_id": "balance",
                                                 "monthly_cap_jpy": 1000})
        assert status == 200, answer
        # Usage: records applied to the line's bucket, its day and its overage row.
        status, _, answer = request(port, "POST", "/v1/usage", self.admin, {"records": [
            {"record_id": "pgw-1", "line_id": self.lines["data"], "kind": "data",
             "quantity": 123456, "start": "2026-03-01T09:00:00+09:00",
             "end": "2026-03-01T09:30:00+09:00", "rating_group": 10},
            {"record_id": "msc-1", "line_id": self.lines["data"], "kind": "voice",
             "quantity": 331, "start": "2026-03-01T09:40:00+09:00",
             "end": "2026-03-01T09:45:31+09:00"}]})
        # The call beyond the plan's allowance is charged to the wallet (a usage charge).
        assert (status == 200 and json.loads(answer)["accepted"] == 2
                and json.loads(answer)["charged_jpy"] > 0), answer
        # Reservations: one committed (its usage record too), one left open (the tick below
        # marks it expired).
        reservations = "/v1/lines/%s/reservations" % self.lines["data"]
        for number in (0, 1):
            status, _, answer = request(port, "POST", reservations, self.admin, {
                "session_id": "pgw.example.jp;1;1", "request_number": number, "kind": "data",
                "requested": 1000000, "rating_group": 10})
            assert status == 201 and json.loads(answer)["granted"] == 1000000, answer
        status, _, answer = request(port, "POST", "%s/%s/commit" % (
            reservations, json.loads(answer)["reservation_id"]), self.admin, {"used": 900000})
        assert status == 200 and json.loads(answer)["status"] == "committed", answer
        # Notification settings and a webhook endpoint (on loopback, which the servers and the
        # tick allow): the renewal's receipt is queued for it, and the tick's reminder scans
        # leave their cursors.
        status, _, answer = request(port, "PUT",
                                    "/v1/lines/%s/notification-settings" % self.lines["data"],
                                    self.admin, {"language": "zh-Hant",
                                                 "email": "holder@example.jp"})
        assert status == 200, answer
        status, _, answer = request(port, "POST", "/v1/webhook-endpoints", self.admin,
                                    {"url": "http://127.0.0.1:9/hooks"})
        assert status == 201, answer
        ticked = simkeep("--now", "2026-03-30T00:00:00+09:00", "--issuer-name", ISSUER,
                         "--webhook-allow-private", "tick", database=self.path)
        assert ticked.returncode == 0 and "1 renewed" in ticked.stdout, (ticked.stdout,
                                                                        ticked.stderr)
        # A retry replays the stored answer (and so the idempotency key is really stored).
        status, headers, _ = request(port, "POST", "/v1/lines/%s/topups" % self.lines["voice"],
                                     self.clerk, writes[2][4], key="cash-1")
        assert status == 201 and headers.get("idempotent-replayed") == "true", headers

    def payment_writes(self, port, payments):
        """A konbini payment notified by a signed webhook and paid, and a partial refund."""
        status, _, answer = request(port, "POST", "/v1/lines/%s/topups" % self.lines["api_esim"],
                                    self.admin, {"amount_jpy": 2000, "payment": {
                                        "method": "konbini", "store": "family-mart"}},
                                    key="konbini-1")
        assert status == 202, answer
        konbini = json.loads(answer)
        self.orders.append(konbini["order_id"])
        payment_id = konbini["payment"]["payment_id"]
        # The server's clock started at NOW and runs at real speed.
        sent = int(datetime.datetime.fromisoformat(NOW).timestamp() +
                   (time.monotonic() - self.server.started_at))
        event = json.dumps({"id": "evt_konbini_1", "type": "payment.updated",
                            "data": {"payment_id": payment_id}})
        signature = hmac.new(b"whsec_sandbox", ("%d.%s" % (sent, event)).encode(),
                             hashlib.sha256).hexdigest()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request("POST", "/v1/webhooks/sandbox", body=event.encode(), headers={
                "Content-Type": "application/json",
                "Sandbox-Signature": "t=%d,v1=%s" % (sent, signature)})
            answer = connection.getresponse()
            assert answer.status == 200, answer.read()
            answer.read()
        finally:
            connection.close()
        status, _, answer = request(port, "POST", "/v1/payments/%s/simulate" % payment_id,
                                    self.admin, {"outcome": "succeeded"})
        assert status == 200 and json.loads(answer)["status"] == "completed", answer
        status, _, answer = request(port, "POST", "/v1/payments/%s/refunds" % payments["card-1"],
                                    self.admin, {"amount_jpy": 500, "reason": "goodwill"},
                                    key="refund-1")
        assert status == 201, answer
        # A saved card (its row, the sandbox's vault) and a payment charged to it.
        card = {"number": "5555555555554444", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
        status, _, answer = request(port, "POST",
                                    "/v1/lines/%s/payment-methods" % self.lines["api_esim"],
                                    self.admin, {"method": "card", "card": card}, key="save-1")
        assert status == 201, answer
        saved = json.loads(answer)["saved_method_id"]
        status, _, answer = request(port, "POST", "/v1/lines/%s/topups" % self.lines["api_esim"],
                                    self.admin, {"amount_jpy": 900, "payment": {
                                        "method": "card", "saved_method_id": saved}},
                                    key="saved-1")
        assert status == 201, answer
        self.orders.append(json.loads(answer)["order_id"])

    def read_answers(self, port):
        """Every answer the copy must give alike: {request: (status, body)}."""
        paths = []
        for line in self.lines.values():
            paths += ["/v1/lines/%s/status" % line, "/v1/lines/%s" % line,
                      "/v1/lines/%s/orders" % line, "/v1/lines/%s/payment-methods" % line]
        for order in self.orders:
            paths += ["/v1/orders/%s" % order, "/v1/orders/%s/receipt" % order,
                      "/v1/orders/%s/receipt?format=html" % order]
        answers = {}
        for path in paths:
            status, _, body = request(port, "GET", path, self.admin)
            answers[path] = (status, body)
        return answers

    def backup(self, name):
        """A consistent copy of the source (the server may be writing), to tamper with."""
        path = os.path.join(self.directory, name)
        source = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True)
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return path

    def close(self):
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


SOURCE = None
DATABASE_SERIAL = [0]


class MigrateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        global SOURCE
        if SOURCE is None:
            SOURCE = Source()
            SOURCE.build()

    def new_database(self):
        DATABASE_SERIAL[0] += 1
        return create_database("copy_%d_%d" % (os.getpid(), DATABASE_SERIAL[0]))

    def migrate(self, source, destination, cwd=None):
        return simkeep("migrate", "--from", source, "--to", destination, cwd=cwd)

    def assert_ok(self, completed):
        self.assertEqual(completed.returncode, 0, "stdout:\n%s\nstderr:\n%s"
                         % (completed.stdout, completed.stderr))

    def assert_refused(self, completed, reason):
        self.assertEqual(completed.returncode, 1, completed.stdout + completed.stderr)
        self.assertIn("simkeep: %s: " % reason, completed.stderr)
        self.assertIn("migrate: nothing was copied", completed.stdout)

    def simkeep_rows(self, url):
        """{table: rows} of every table of the copy but schema_migrations."""
        tables = psql(url, "SELECT table_name FROM information_schema.tables WHERE "
                           "table_schema = 'public' AND table_type = 'BASE TABLE'").split()
        return {table: int(psql(url, 'SELECT count(*) FROM "%s"' % table))
                for table in tables if table not in SKIPPED_TABLES}

    def assert_holds_nothing(self, url):
        rows = self.simkeep_rows(url)
        self.assertGreater(len(rows), 10)  # Migrated: the tables are there...
        self.assertEqual({table: count for table, count in rows.items() if count}, {})  # ...empty.

    # The copy ----------------------------------------------------------------------------------

    def test_copies_every_table_exactly_and_the_copy_serves_alike(self):
        url = self.new_database()
        copied = self.migrate("sqlite:" + SOURCE.path, url)  # The source server is running.
        self.assert_ok(copied)
        self.assertIn("committed", copied.stdout)
        self.assertRegex(copied.stdout, r"audit source: +\d+ accounts, \d+ transfers, "
                                        r"\d+ orders, 0 open holds, 0 violations - ledger OK")
        self.assertNotIn("MISMATCH", copied.stdout)
        # Progress for the large tables: stderr is not a terminal, so one line per report.
        progress = re.findall(r"copy +lines +\[#* *\] +(\d+)% (\d+)/(\d+) rows", copied.stderr)
        self.assertGreaterEqual(len(progress), 2, copied.stderr)
        total = str(BULK_LINES + len(SOURCE.lines))
        self.assertEqual(progress[-1], ("100", total, total))

        self.assert_same_rows(url)
        self.assert_same_audit(url)
        self.assert_serves_alike(url)
        self.assert_new_writes_continue_the_sequences(url)
        again = self.migrate("sqlite:" + SOURCE.path, url)
        self.assert_refused(again, "destination_not_empty")
        self.assert_dump_comparison_can_fail(url)

    def assert_same_rows(self, url):
        tables = sqlite_tables(SOURCE.path)
        pg_tables = set(psql(url, "SELECT table_name FROM information_schema.tables WHERE "
                                  "table_schema = 'public' AND table_type = 'BASE TABLE'").split())
        self.assertEqual(pg_tables, set(tables))
        # One column: each dumped row is the version itself (not its first character).
        self.assertEqual(psql(url, "SELECT version FROM schema_migrations ORDER BY version")
                         .split(), dump_sqlite(SOURCE.path, "schema_migrations", ["version"],
                                               ["version"]))
        kinds = {}
        for table, (columns, key) in sorted(tables.items()):
            if table in SKIPPED_TABLES:
                continue
            source_rows = dump_sqlite(SOURCE.path, table, columns, key)
            self.assertEqual(dump_postgres(url, table, columns, key), source_rows, table)
            kinds[table] = len(source_rows)
        # Every kind of record is there to be compared.
        for table, count in kinds.items():
            self.assertGreater(count, 0, "the source has no %s" % table)
        stored = psql(url, "SELECT string_agg(DISTINCT kind || '/' || status, ',' ORDER BY "
                           "kind || '/' || status) FROM orders").strip()
        self.assertEqual(stored, "plan_change/completed,renewal/completed,topup/completed,"
                                 "topup/failed")
        self.assertEqual(psql(url, "SELECT count(*) FROM lines WHERE "
                                   "esim_confirmation_code_sealed IS NOT NULL").strip(), "2")
        self.assertEqual(psql(url, "SELECT string_agg(DISTINCT method || '/' || status, ',' "
                                   "ORDER BY method || '/' || status) FROM payments").strip(),
                         "balance/succeeded,card/failed,card/succeeded,cash/succeeded,"
                         "konbini/succeeded")
        self.assertEqual(psql(url, "SELECT amount_jpy || '/' || status FROM refunds").strip(),
                         "500/succeeded")
        self.assertEqual(psql(url, "SELECT delivery_id FROM webhook_deliveries").strip(),
                         "evt_konbini_1")
        self.assertIn(ISSUER, psql(url, "SELECT issuer_name FROM receipts"))
        self.assertIn(ADMIN_KEY_NAME, psql(url, "SELECT name FROM api_keys"))

    def assert_same_audit(self, url):
        source = simkeep("audit", database=SOURCE.path)
        copy = simkeep("--secret-key-file", SOURCE.key_file, "audit", database=url)
        self.assert_ok(source)
        self.assert_ok(copy)
        self.assertIn("ledger OK", copy.stdout)
        self.assertEqual(copy.stdout, source.stdout)

    def assert_serves_alike(self, url):
        server = Server(SOURCE.directory, url, SOURCE.key_file)
        try:
            # What the source wrote at NOW plus a few seconds (a bucket starting then) shows
            # only once the copy's clock is there too.
            time.sleep(max(0.0, SOURCE.answered_after - (time.monotonic() - server.ready_at)))
            answers = SOURCE.read_answers(server.port)
        finally:
            server.stop()
        self.assertEqual(answers.keys(), SOURCE.answers.keys())
        for path, answer in SOURCE.answers.items():
            self.assertEqual(answers[path], answer, path)
        statuses = sorted(status for status, _ in answers.values())
        self.assertIn(200, statuses)
        self.assertIn(404, statuses)  # Receipts of the failed order and the plan change.

    def assert_new_writes_continue_the_sequences(self, url):
        before = {table: int(psql(url, "SELECT max(seq) FROM %s" % table))
                  for table in ("ledger_transfers", "line_events")}
        server = Server(SOURCE.directory, url, SOURCE.key_file)
        try:
            for serial in range(2):
                status, _, body = request(server.port, "POST",
                                          "/v1/lines/%s/topups" % SOURCE.lines["voice"],
                                          SOURCE.clerk, {"amount_jpy": 100 + serial,
                                                         "payment": {"method": "cash"}},
                                          key="after-copy-%d" % serial)
                self.assertEqual(status, 201, body)
            status, _, body = request(server.port, "POST", "/v1/lines", SOURCE.admin, {
                "iccid": iccid("898130", 99), "carrier": "au", "service": "data"})
            self.assertEqual(status, 201, body)
        finally:
            server.stop()
        for table, highest in before.items():
            added = psql(url, "SELECT seq FROM %s WHERE seq > %d ORDER BY seq"
                         % (table, highest)).split()
            self.assertGreaterEqual(len(added), 2, table)
            self.assertEqual(int(added[0]), highest + 1, table)
        self.assert_ok(simkeep("--secret-key-file", SOURCE.key_file, "audit", database=url))

    def assert_dump_comparison_can_fail(self, url):
        # The comparison above must be able to see a difference: change one value on the copy.
        columns, key = sqlite_tables(SOURCE.path)["api_keys"]
        psql(url, "UPDATE api_keys SET name = name || ' ' WHERE role = 'clerk'")
        self.assertNotEqual(dump_postgres(url, "api_keys", columns, key),
                            dump_sqlite(SOURCE.path, "api_keys", columns, key))

    # The refusals ------------------------------------------------------------------------------

    def test_refuses_a_destination_that_holds_data(self):
        url = self.new_database()
        # A plain migrate through the runtime stores the catalog and the system accounts.
        self.assert_ok(simkeep("--secret-key-file", SOURCE.key_file, "migrate", database=url))
        before = self.simkeep_rows(url)
        self.assertGreater(before["carriers"], 0)
        refused = self.migrate("sqlite:" + SOURCE.path, url)
        self.assert_refused(refused, "destination_not_empty")
        self.assertIn("carriers (", refused.stderr)
        self.assertEqual(self.simkeep_rows(url), before)

    def test_from_and_to_need_each_other(self):
        with tempfile.TemporaryDirectory() as directory:
            alone = simkeep("migrate", "--from", "sqlite:" + SOURCE.path, cwd=directory)
            self.assertEqual(alone.returncode, 2, alone.stdout + alone.stderr)
            self.assertIn("--from requires --to", alone.stderr)
            alone = simkeep("migrate", "--to", database_url("postgres"), cwd=directory)
            self.assertEqual(alone.returncode, 2, alone.stdout + alone.stderr)
            self.assertIn("--to requires --from", alone.stderr)
            self.assertEqual(os.listdir(directory), [])  # No ./simkeep.db was opened.

    def test_refuses_a_source_that_is_not_sqlite(self):
        url = self.new_database()
        text_file = os.path.join(SOURCE.directory, "notes.txt")
        with open(text_file, "w") as file:
            file.write("not a database, but long enough to have a header of sorts\n" * 20)
        self.assert_refused(self.migrate("sqlite:" + text_file, url), "source_not_sqlite")
        self.assert_refused(self.migrate(url, url), "source_not_sqlite")
        missing = os.path.join(SOURCE.directory, "missing.db")
        self.assert_refused(self.migrate(missing, url), "source_not_found")
        self.assertFalse(os.path.exists(missing))  # Never created.
        self.assert_refused(self.migrate("sqlite:" + SOURCE.path, "mysql://localhost/x"),
                            "destination_not_postgresql")
        # Refused before the destination was touched: not even migrated.
        self.assertEqual(psql(url, "SELECT count(*) FROM information_schema.tables WHERE "
                                   "table_schema = 'public'").strip(), "0")

    def test_a_row_refused_halfway_rolls_the_whole_copy_back(self):
        source = SOURCE.backup("invalid-utf8.db")
        connection = sqlite3.connect(source)
        # Invalid UTF-8 in a line, which is copied after the catalog tables: PostgreSQL refuses
        # it in the middle of the copy.
        connection.execute("UPDATE lines SET number_class = CAST(X'C328' AS TEXT) WHERE "
                           "line_id = (SELECT max(line_id) FROM lines)")
        connection.commit()
        connection.close()
        url = self.new_database()
        refused = self.migrate(source, url)
        self.assert_refused(refused, "constraint_violation")
        self.assertIn("copy into lines", refused.stderr)
        self.assert_holds_nothing(url)

    def test_a_source_whose_audit_fails_is_not_copied(self):
        source = SOURCE.backup("tampered.db")
        connection = sqlite3.connect(source)
        connection.execute("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 "
                           "WHERE account_id = (SELECT wallet_account_id FROM lines WHERE "
                           "line_id = ?)", (SOURCE.lines["data"],))
        connection.commit()
        connection.close()
        url = self.new_database()
        refused = self.migrate("sqlite:" + source, url)
        self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
        self.assertRegex(refused.stdout, r"VIOLATION source: balance_mismatch")
        self.assertIn("PROBLEM the source's ledger audit found", refused.stdout)
        self.assertIn("migrate: nothing was copied", refused.stdout)
        self.assertEqual(psql(url, "SELECT count(*) FROM information_schema.tables WHERE "
                                   "table_schema = 'public'").strip(), "0")


def main():
    global BINARY
    if len(sys.argv) < 2:
        print("usage: migrate_test.py PATH_TO_SIMKEEP [unittest arguments]", file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv[1])
    if not PG_URI:
        print("migrate_test.py needs SIMKEEP_TEST_PG_URI (run it through "
              "scripts/with_postgres.sh)", file=sys.stderr)
        return 1
    try:
        program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    finally:
        if SOURCE is not None:
            SOURCE.close()
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
