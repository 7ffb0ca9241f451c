#!/usr/bin/env python3
"""A year of `simkeep --now T tick`, one process a simulated day, through the command line alone.

Usage: tick_year_test.py PATH_TO_SIMKEEP [unittest arguments]
Without SIMKEEP_TEST_PG_URI the database is a SQLite file (ctest: tick_year_test); with it a
fresh database of that PostgreSQL server, e.g.
    scripts/with_postgres.sh /usr/bin/python3 tests/integration/tick_year_test.py SIMKEEP
(not registered with ctest: about three times as long). Needs python3-aiosmtpd for
tests/notify/smtp_sink.py (scripts/setup.sh --test), psql for PostgreSQL, and otherwise the
Python standard library.

The same three sample lines as notifications_test's year of daily passes, each holder with an
email address and a language of their own, set up as an operator would: `import lines`, `topup`,
`renew`, and a short-lived `simkeep serve` for the two settings that have no command (notification
settings, automatic renewal). Then `simkeep --now DAY tick` with an SMTP relay on loopback, once
a day at 10:00 JST for 366 days:
  * A (docomo, Japanese) renews itself from its balance 24 hours before each validity end: 13
    renewals, 30 days apart (each continues the validity by 30 calendar days), each with its
    receipt, and its holder told 7 days ahead of each renewal but the first (due before the
    first tick);
  * B (docomo, English) is never renewed: told the day before its validity ends, then of its
    grace, suspension and termination (2 days, then 30);
  * C (au, Simplified Chinese) buys one data topping; when it runs out the line stays in grace
    for au's 180-day keep window, its holder reminded of the suspension 30 and 7 days ahead, then
    it is suspended and terminated 30 days later, and its number goes to quarantine.
Checked: every mail the relay received against the expected list (recipient, topic read from the
subject by the i18n/*.json subject templates, the days the subject names, and the simulated day
it arrived), so each message arrives once, on its day, and no other; no Message-ID or dedupe key
twice; each day's tick reporting exactly the mails the relay got that day, none retried or lost;
the renewals the ticks report and the balance they leave; each line's inbox holding the same
messages as its mail (receipts aside); the lines' states, the reasons of their steps and the
numbers lost at termination; and `simkeep audit` passing. The time the ticks took is printed to
stderr (a tick is one process start; most of it is the start, not the work).
"""

import base64
import datetime
import email
import email.policy
import glob
import http.client
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


BINARY = None  # Set from the command line.
PG_URI = os.environ.get("SIMKEEP_TEST_PG_URI", "")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SMTP_SINK = os.path.join(ROOT, "tests", "notify", "smtp_sink.py")
COMMAND_TIMEOUT_SECONDS = 120
READY_TIMEOUT_SECONDS = 30

JST = datetime.timezone(datetime.timedelta(hours=9))
DAY = datetime.timedelta(days=1)
FIRST_TICK = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=JST)
TICKS = 366
SET_UP_AT = "2026-11-22T09:00:00+09:00"  # An hour before the first tick.
# A reminder scan that has never run looks this far back (kFirstScanLookback in the scheduler).
FIRST_SCAN_LOOKBACK = datetime.timedelta(hours=24)
SENDER = "noreply@simkeep.example.jp"

MONTHLY_PLAN = "sample-docomo-mvno-2gb"  # ¥850, 30 calendar days.
MONTHLY_PRICE_JPY = 850
TOPPING = "sample-au-topping-3gb"
FUND_JPY = 20000
FIRST_EXPIRY = "2026-11-25T23:59:59+09:00"
# Allowances that reach their end within the year, each told once in the line's inbox: A's data
# bucket of each renewal but the last (ending 30, 60, ... 360 days after FIRST_EXPIRY), C's topping.
EXPIRED_ALLOWANCES = {"A": 12, "B": 0, "C": 1}


def iccid(prefix, serial):
    payload = "%s%013d" % (prefix, serial)
    return payload + luhn_check_digit(payload)


# The three sample lines: name -> what is imported, and who is told in which language.
LINES = {
    "A": {"iccid": iccid("898110", 901), "carrier": "docomo", "msisdn": "090-4444-2001",
          "e164": "+819044442001", "state": "active", "plan_id": MONTHLY_PLAN,
          "expires_at": FIRST_EXPIRY, "language": "ja", "email": "holder-a@example.jp"},
    "B": {"iccid": iccid("898110", 902), "carrier": "docomo", "msisdn": "090-4444-2002",
          "e164": "+819044442002", "state": "active", "plan_id": MONTHLY_PLAN,
          "expires_at": FIRST_EXPIRY, "language": "en", "email": "holder-b@example.jp"},
    # On au's base plan, not in use until its first topping.
    "C": {"iccid": iccid("898130", 903), "carrier": "au", "msisdn": "090-4444-2003",
          "e164": "+819044442003", "state": "inactive", "plan_id": "sample-au-base",
          "expires_at": "", "language": "zh-Hans", "email": "holder-c@example.jp"},
}


def psql(url, command):
    completed = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url,
                                "-c", command], capture_output=True, text=True,
                               timeout=COMMAND_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (command, completed.stderr))
    return completed.stdout.strip()


def parse_time(text):
    return datetime.datetime.fromisoformat(text)


def rfc3339(moment):
    return moment.astimezone(JST).isoformat()


def tick_day(due):
    """The index of the first daily tick at or after `due` (0 when due before the first)."""
    return max(0, math.ceil((due - FIRST_TICK) / DAY))


def by_day(mails):
    """(topic, days, tick) mails ordered by tick, then topic: within one tick the order of
    delivery is not part of the contract."""
    return sorted(mails, key=lambda mail: (mail[2], mail[0], mail[1] or ""))


def request(port, method, path, token, body=None):
    """(status, parsed JSON body) of one request."""
    headers = {"Authorization": "Bearer " + token, "Connection": "close"}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=payload, headers=headers)
        answer = connection.getresponse()
        return answer.status, json.loads(answer.read().decode("utf-8"))
    finally:
        connection.close()


class SubjectTemplates:
    """Reads a mail's topic (and its placeholders) back from its subject, by the subject templates
    of i18n/<language>.json (notification.<topic>.subject)."""

    def __init__(self, languages):
        self.patterns = {}
        for language in languages:
            with open(os.path.join(ROOT, "i18n", language + ".json"), encoding="utf-8") as file:
                notification = json.load(file)["notification"]
            self.patterns[language] = [
                (topic, self.pattern(texts["subject"]))
                for topic, texts in notification.items()
                if isinstance(texts, dict) and "subject" in texts]

    @staticmethod
    def pattern(template):
        seen = set()
        parts = []
        for index, piece in enumerate(re.split(r"\{\{(\w+)\}\}", template)):
            if index % 2 == 0:
                parts.append(re.escape(piece))
            elif piece in seen:
                parts.append("(?P=%s)" % piece)
            else:
                seen.add(piece)
                parts.append("(?P<%s>.+?)" % piece)
        return re.compile("".join(parts) + r"\Z")

    def read(self, language, subject):
        """(topic, {placeholder: text}) of `subject`; AssertionError unless exactly one topic's
        template matches."""
        found = [(topic, match.groupdict()) for topic, pattern in self.patterns[language]
                 for match in [pattern.match(subject)] if match]
        if len(found) != 1:
            raise AssertionError("subject %r (%s) matches %d templates: %r"
                                 % (subject, language, len(found), found))
        return found[0]


class SmtpSink:
    """tests/notify/smtp_sink.py: a mail server on loopback keeping each message it accepts."""

    def __init__(self, log_path):
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(["/usr/bin/python3", SMTP_SINK],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=log)
        greeting = self.process.stdout.readline()
        self.process.stdout.close()
        if not greeting:
            self.process.wait()
            with open(log_path, "rb") as log:
                raise AssertionError("smtp_sink.py did not start: %s" % log.read().decode())
        started = json.loads(greeting)
        self.url = "smtp://127.0.0.1:%d" % started["port"]
        self.directory = started["dir"]

    def mails(self):
        """Every message accepted so far, in order: {"mail_from", "rcpt_tos", "data"}."""
        received = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.json"))):
            with open(path) as file:
                record = json.load(file)
            record["data"] = base64.b64decode(record.pop("data_b64"))
            received.append(record)
        return received

    def stop(self):
        self.process.stdin.close()  # The sink ends when its stdin closes, and removes its files.
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Server:
    """`simkeep serve` on port 0, for the settings that have no command of their own."""

    def __init__(self, command, directory):
        self.port_file = os.path.join(directory, "port")
        self.log_path = os.path.join(directory, "server.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command + ["serve", "--port", "0", "--port-file", self.port_file],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("simkeep serve exited: %s" % self.log())
            try:
                with open(self.port_file) as file:
                    text = file.read()
                if text.endswith("\n"):
                    self.port = int(text)
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
        if os.path.exists(self.port_file):
            os.remove(self.port_file)  # The next server's is read only once written anew.


class TickYearTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="simkeep_tick_year_")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.key_file = os.path.join(self.directory, "simkeep.key")
        if PG_URI:
            name = "tick_year_%d_%d" % (os.getpid(), int(time.monotonic() * 1000))
            psql(PG_URI, "CREATE DATABASE %s TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
                 % name)
            self.database = PG_URI.rsplit("/", 1)[0] + "/" + name
        else:
            self.database = os.path.join(self.directory, "simkeep.db")
        with open(os.path.join(ROOT, "data", "sample_catalog.json"), encoding="utf-8") as file:
            self.keep_rules = {carrier["code"]: carrier["keep"]
                               for carrier in json.load(file)["carriers"]}
        self.sink = SmtpSink(os.path.join(self.directory, "smtp_sink.log"))
        self.addCleanup(self.sink.stop)

    def simkeep(self, *arguments, now=None, mail=False):
        command = [BINARY, "--database", self.database, "--secret-key-file", self.key_file]
        if now:
            command += ["--now", now]
        if mail:
            # As a deployment that mails its customers runs every writing command.
            command += ["--smtp-url", self.sink.url, "--smtp-from", SENDER, "--smtp-no-tls"]
        return subprocess.run(command + list(arguments), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS)

    def assert_ok(self, completed):
        self.assertEqual(completed.returncode, 0,
                         "%s: exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (" ".join(completed.args[5:]), completed.returncode, completed.stdout,
                            completed.stderr))
        return completed

    def status(self, line_id):
        return json.loads(self.assert_ok(self.simkeep("line", line_id)).stdout)

    # Setting up -------------------------------------------------------------------------------

    def set_up_lines(self):
        """Imports the lines, funds A, gives C its topping, and sets what only the API sets.
        Returns ({name: line id}, an admin's API token)."""
        self.assert_ok(self.simkeep("migrate"))
        csv = os.path.join(self.directory, "lines.csv")
        with open(csv, "w") as file:
            file.write("iccid,carrier,service,msisdn,state,plan_id,expires_at\n")
            for line in LINES.values():
                file.write("%s,%s,voice,%s,%s,%s,%s\n" % (
                    line["iccid"], line["carrier"], line["msisdn"], line["state"],
                    line["plan_id"], line["expires_at"]))
        self.assert_ok(self.simkeep("import", "lines", csv, now=SET_UP_AT))
        ids = {}
        for name, line in LINES.items():
            shown = self.assert_ok(self.simkeep("line", "--iccid", line["iccid"]))
            ids[name] = json.loads(shown.stdout)["line_id"]
        admin = self.assert_ok(self.simkeep("apikey", "create", "--role", "admin",
                                            "--name", "tick-year")).stdout.strip()
        server = Server([BINARY, "--database", self.database, "--secret-key-file",
                         self.key_file, "--now", SET_UP_AT], self.directory)
        try:
            for name, line in LINES.items():
                status, answer = request(server.port, "PUT",
                                         "/v1/lines/%s/notification-settings" % ids[name], admin,
                                         {"language": line["language"], "email": line["email"]})
                self.assertEqual(status, 200, answer)
            status, answer = request(server.port, "PUT", "/v1/lines/%s/auto-renewal" % ids["A"],
                                     admin, {"enabled": True, "plan_id": MONTHLY_PLAN,
                                             "payment_method_id": "balance",
                                             "monthly_cap_jpy": 5000})
            self.assertEqual(status, 200, answer)
        finally:
            server.stop()
        # Cash at the counter: a year of renewals for A, and C's one topping (its receipts are
        # queued for the holders' mail, sent by the first tick).
        topup = self.assert_ok(self.simkeep("topup", ids["A"], "--amount", str(FUND_JPY),
                                            now=SET_UP_AT, mail=True))
        self.assertEqual(json.loads(topup.stdout)["status"], "completed")
        renewal = self.assert_ok(self.simkeep("renew", ids["C"], "--plan", TOPPING,
                                              "--method", "cash", now=SET_UP_AT, mail=True))
        self.assertEqual(json.loads(renewal.stdout)["status"], "completed")
        return ids, admin

    # What should arrive -----------------------------------------------------------------------

    def reminder(self, due, topic, days=None):
        """[(topic, days, tick)] of a reminder due at `due`: none when it fell due before the
        first scan's window or after the year. (The set-up server's leader may scan first, an
        hour earlier; no reminder falls due in that hour.)"""
        if due <= FIRST_TICK - FIRST_SCAN_LOOKBACK or tick_day(due) >= TICKS:
            return []
        return [(topic, days, tick_day(due))]

    def step(self, due, topic):
        return [(topic, None, tick_day(due))] if tick_day(due) < TICKS else []

    def unrenewed(self, expires_at, carrier):
        """The mail of a line that is not renewed: its expiry reminders, then each step of its
        carrier's keep rule, with the suspension reminders its time in grace leaves room for."""
        rule = self.keep_rules[carrier]
        held = datetime.timedelta(days=max(rule["grace_days"], rule["keep_window_days"]))
        suspend_at = expires_at + held
        expected = []
        for ahead in (7, 1):
            expected += self.reminder(expires_at - ahead * DAY, "expiry_soon", str(ahead))
        expected += self.step(expires_at, "grace_started")
        for ahead in (30, 7):
            if held >= ahead * DAY:
                expected += self.reminder(suspend_at - ahead * DAY, "suspension_soon",
                                          str(ahead))
        expected += self.step(suspend_at, "suspended")
        terminate_at = suspend_at + datetime.timedelta(
            days=rule["suspension_to_termination_days"])
        expected += self.step(terminate_at, "terminated")
        return expected

    def renewed_monthly(self, expires_at):
        """The mail of a line renewed from its balance 24 hours before each validity end: the
        receipt of each renewal, and what it will charge 7 days ahead. Also the renewal days."""
        expected, renewal_days = [], []
        while tick_day(expires_at - DAY) < TICKS:
            expected += self.reminder(expires_at - 7 * DAY, "auto_renewal_upcoming")
            renewal_days.append(tick_day(expires_at - DAY))
            expected.append(("payment_receipt", None, renewal_days[-1]))
            # Bought while the line is valid, the plan continues its validity: 30 calendar days
            # counting the day after the current end as the first, so no day is lost.
            expires_at += 30 * DAY
        expected += self.reminder(expires_at - 7 * DAY, "auto_renewal_upcoming")
        return expected, renewal_days

    # What did arrive --------------------------------------------------------------------------

    def read_mail(self, record, templates, addresses):
        """(line name, topic, days, message) of one received message, its headers checked."""
        message = email.message_from_bytes(record["data"], policy=email.policy.default)
        self.assertEqual(record["mail_from"], SENDER)
        self.assertEqual(len(record["rcpt_tos"]), 1, record["rcpt_tos"])
        name = addresses.get(record["rcpt_tos"][0])
        self.assertIsNotNone(name, "mail to a stranger: %r" % record["rcpt_tos"])
        self.assertEqual(message["To"].addresses[0].addr_spec, LINES[name]["email"])
        self.assertEqual(message["From"].addresses[0].addr_spec, SENDER)
        self.assertEqual(str(message["Content-Language"]), LINES[name]["language"])
        topic, fields = templates.read(LINES[name]["language"], str(message["Subject"]))
        self.assertTrue(message.get_content().strip(), "an empty body: %s" % message["Subject"])
        return name, topic, fields.get("days"), message

    # The year ---------------------------------------------------------------------------------

    def test_a_year_of_daily_ticks_renews_warns_and_ends_lines_each_message_once(self):
        ids, admin = self.set_up_lines()
        c_expires_at = parse_time(self.status(ids["C"])["expires_at"])
        self.assertGreater(c_expires_at, FIRST_TICK + 7 * DAY)  # Both expiry reminders fall due.

        arrived = []  # (tick, mail record) in order of arrival.
        renewed_on = []
        tick_seconds = []
        report = re.compile(r"^scheduler: (\d+) automatic renewals started, (\d+) renewed, "
                            r"0 topped up, 0 waiting for their payment, 0 attempts failed "
                            r"\(0 given up\), "
                            r"0 skipped; (\d+) lines moved on after their validity ended; "
                            r"\d+ allowances expired\n"
                            r"notifications: (\d+) reminders queued; (\d+) delivered, "
                            r"0 to be retried, 0 failed for good\n\Z")
        for tick in range(TICKS):
            now = rfc3339(FIRST_TICK + tick * DAY)
            started = time.monotonic()
            ticked = self.assert_ok(self.simkeep("tick", now=now, mail=True))
            tick_seconds.append(time.monotonic() - started)
            counts = report.match(ticked.stdout)
            self.assertIsNotNone(counts, "%s: %s" % (now, ticked.stdout))
            started_count, renewed, _, _, delivered = (int(group) for group in counts.groups())
            self.assertEqual(started_count, renewed, now)
            renewed_on += [tick] * renewed
            mails = self.sink.mails()
            # The relay has exactly what this tick says it delivered: nothing left for later.
            self.assertEqual(len(mails) - len(arrived), delivered, "%s: %s" % (now, ticked.stdout))
            arrived += [(tick, record) for record in mails[len(arrived):]]
        print("%d ticks: %.1f s, %.0f ms each on average, %.0f ms at most"
              % (TICKS, sum(tick_seconds), 1000 * sum(tick_seconds) / TICKS,
                 1000 * max(tick_seconds)), file=sys.stderr)

        templates = SubjectTemplates({line["language"] for line in LINES.values()})
        addresses = {line["email"]: name for name, line in LINES.items()}
        received = {name: [] for name in LINES}
        subjects = {name: [] for name in LINES}
        message_ids, dedupe_keys = [], []
        for tick, record in arrived:
            name, topic, days, message = self.read_mail(record, templates, addresses)
            received[name].append((topic, days, tick))
            if topic != "payment_receipt":
                subjects[name].append((topic, str(message["Subject"])))
            message_ids.append(str(message["Message-ID"]))
            dedupe_keys.append(str(message["X-Simkeep-Dedupe-Key"]))
        self.assertEqual(len(set(message_ids)), len(message_ids), message_ids)
        self.assertEqual(len(set(dedupe_keys)), len(dedupe_keys), dedupe_keys)

        # A: a renewal every 30 days from the balance, on the days the validity ends give.
        a_expected, renewal_days = self.renewed_monthly(parse_time(FIRST_EXPIRY))
        self.assertEqual(renewed_on, renewal_days)
        self.assertEqual(len(renewed_on), 13)
        a_expected.insert(0, ("payment_receipt", None, 0))  # The top-up.
        self.assertEqual(by_day(received["A"]), by_day(a_expected))
        a_topics = [topic for topic, _, _ in received["A"]]
        self.assertEqual(a_topics.count("auto_renewal_upcoming"), 12)
        self.assertEqual(a_topics.count("payment_receipt"), 14)
        # B: warned the day before, then each step of docomo's rule once, in order.
        b_expected = self.unrenewed(parse_time(FIRST_EXPIRY), "docomo")
        self.assertEqual([topic for topic, _, _ in received["B"]],
                         ["expiry_soon", "grace_started", "suspended", "terminated"])
        self.assertEqual(by_day(received["B"]), by_day(b_expected))
        # C: the topping's receipt; both expiry reminders; 180 days in grace with the suspension
        # reminders 30 and 7 days ahead; suspended, and terminated 30 days later.
        c_expected = [("payment_receipt", None, 0)] + self.unrenewed(c_expires_at, "au")
        self.assertEqual([(topic, days) for topic, days, _ in received["C"]],
                         [("payment_receipt", None), ("expiry_soon", "7"), ("expiry_soon", "1"),
                          ("grace_started", None), ("suspension_soon", "30"),
                          ("suspension_soon", "7"), ("suspended", None), ("terminated", None)])
        self.assertEqual(by_day(received["C"]), by_day(c_expected))

        # Where things stand after the year.
        a_status = self.status(ids["A"])
        self.assertEqual(a_status["state"], "active")
        self.assertEqual(a_status["balance_jpy"], FUND_JPY - 13 * MONTHLY_PRICE_JPY)
        self.assertEqual(a_status["msisdn"], LINES["A"]["e164"])
        steps = {
            "B": [("active", "grace", "validity_ended"), ("grace", "suspended", "grace_ended"),
                  ("suspended", "terminated", "suspension_ended")],
            "C": [("inactive", "active", "renewal"), ("active", "grace", "validity_ended"),
                  ("grace", "suspended", "keep_window_ended"),
                  ("suspended", "terminated", "suspension_ended")],
        }
        for name, expected_steps in steps.items():
            status = self.status(ids[name])
            self.assertEqual(status["state"], "terminated", name)
            self.assertIsNone(status["msisdn"], name)  # Gone to quarantine.
            changes = sorted((event["at"], event["from_state"], event["to_state"], event["reason"])
                             for event in status["events"] if event["kind"] == "state_changed")
            self.assertEqual([change[1:] for change in changes], expected_steps, name)
            # Found by its ICCID, no longer by the number it lost.
            lost = self.simkeep("line", "--msisdn", LINES[name]["msisdn"])
            self.assertNotEqual(lost.returncode, 0, lost.stdout)
            self.assertIn("simkeep: line_not_found: ", lost.stderr)

        # Each inbox holds what was mailed, receipts aside, with the same subjects. The server
        # runs at the last tick's time, when nothing more is due.
        last = rfc3339(FIRST_TICK + (TICKS - 1) * DAY)
        server = Server([BINARY, "--database", self.database, "--secret-key-file",
                         self.key_file, "--now", last], self.directory)
        try:
            for name in LINES:
                status, inbox = request(server.port, "GET",
                                        "/v1/lines/%s/inbox?limit=200" % ids[name], admin)
                self.assertEqual(status, 200, inbox)
                kept = [(message["topic"], message["subject"])
                        for message in reversed(inbox["data"])
                        if message["topic"] != "bucket_expired"]
                self.assertEqual(kept, subjects[name], name)
                # An allowance reaching its end is told in the app (and to webhooks), not mailed.
                expired = [message for message in inbox["data"]
                           if message["topic"] == "bucket_expired"]
                self.assertEqual(len(expired), EXPIRED_ALLOWANCES[name], name)
        finally:
            server.stop()

        audited = self.assert_ok(self.simkeep("audit"))
        self.assertIn("0 violations - ledger OK", audited.stdout)


def main():
    global BINARY
    if len(sys.argv) < 2:
        print("usage: tick_year_test.py PATH_TO_SIMKEEP [unittest arguments]", file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv[1])
    program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
