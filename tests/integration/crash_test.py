#!/usr/bin/env python3
"""Crash test for DESIGN.md §3 invariants 1 and 3.

An acknowledged write survives kill -9, and a retried request never moves money twice.

Usage: crash_test.py PATH_TO_SIMKEEP

The test starts `simkeep serve` on a temporary SQLite database, provisions lines, sends cash
top-ups from many threads (one connection per request), kills the server with SIGKILL while
requests are in flight, restarts it on the same database and checks that (three rounds of load,
kill and restart on the same database, so that some requests commit but lose their answer):
  * every top-up answered 201 exists as a completed order of the right line and amount;
  * each line's balance_jpy equals the sum of its completed orders, and is at least the sum of
    its acknowledged top-ups;
  * retrying each unanswered request with its Idempotency-Key completes it exactly once: a
    request that committed before the kill is replayed (Idempotent-Replayed: true, same order),
    one that did not is placed once, and a second retry changes nothing;
  * after a clean stop (SIGTERM, exit 0), `simkeep audit` finds no violation.
The whole run is bounded well under a minute, and every process it starts is killed on exit.
"""

import concurrent.futures
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


LINE_COUNT = 20
THREAD_COUNT = 16
LOAD_SECONDS = 1.5
CRASH_ROUNDS = 3  # Load, kill -9 and restart this many times on the same database.
AMOUNT_JPY_MAX = 300  # Keeps every wallet far below its 1,000,000 yen cap.
PAGE_LIMIT = 200
DEADLINE_SECONDS = 55.0  # The whole test, checks included.
REQUEST_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 10.0
READ_WORKERS = 8

STARTED_AT = time.monotonic()


class TestFailure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def remaining_seconds():
    left = DEADLINE_SECONDS - (time.monotonic() - STARTED_AT)
    check(left > 0, "the test ran past its %.0f s deadline" % DEADLINE_SECONDS)
    return left


def iccid(serial):
    payload = "898130%013d" % serial  # KDDI issuer prefix, 19 digits before the check digit.
    return payload + luhn_check_digit(payload)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None


def request(port, method, path, token=None, body=None, idempotency_key=None,
            timeout=REQUEST_TIMEOUT_SECONDS):
    """One request on its own connection (no keep-alive). Raises OSError or
    http.client.HTTPException when the connection fails or breaks."""
    headers = {"Connection": "close"}
    if token:
        headers["Authorization"] = "Bearer " + token
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    payload = None
    if body is not None:
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=payload, headers=headers)
        answer = connection.getresponse()
        data = answer.read().decode("utf-8", "replace")
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, data)
    finally:
        connection.close()


class Server:
    """One `simkeep serve` process on DIR/db, port 0, port read from DIR/port."""

    def __init__(self, binary, directory, database):
        self.binary = binary
        self.directory = directory
        self.database = database
        self.process = None
        self.port = None
        self.log_path = os.path.join(directory, "server.log")

    def start(self):
        port_file = os.path.join(self.directory, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                [self.binary, "--database", self.database, "serve", "--port", "0",
                 "--port-file", port_file],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + min(READY_TIMEOUT_SECONDS, remaining_seconds())
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TestFailure("simkeep serve exited with %d during start-up; log:\n%s"
                                  % (self.process.returncode, self.log()))
            if self.port is None:
                self.port = read_port(port_file)
            if self.port is not None:
                try:
                    if request(self.port, "GET", "/readyz", timeout=2).status == 200:
                        return
                except (OSError, http.client.HTTPException):
                    pass
            time.sleep(0.02)
        raise TestFailure("simkeep serve was not ready within %.0f s; log:\n%s"
                          % (READY_TIMEOUT_SECONDS, self.log()))

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self.port = None

    def terminate(self):
        """Stops with SIGTERM; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise TestFailure("simkeep serve did not stop within %.0f s of SIGTERM"
                              % STOP_TIMEOUT_SECONDS)
        finally:
            self.port = None

    def log(self):
        try:
            with open(self.log_path, "rb") as log:
                return log.read()[-4000:].decode("utf-8", "replace")
        except OSError:
            return "(no log)"


def read_port(path):
    try:
        with open(path) as file:
            text = file.read()
    except OSError:
        return None
    # The file is written by the server, possibly not yet completely: wait for its newline.
    if not text.endswith("\n") or not text.strip().isdigit():
        return None
    return int(text)


def run_cli(binary, database, *arguments):
    completed = subprocess.run([binary, "--database", database] + list(arguments),
                               stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=min(30, remaining_seconds()))
    return completed


def create_token(binary, database, role):
    completed = run_cli(binary, database, "apikey", "create", "--role", role)
    check(completed.returncode == 0,
          "apikey create --role %s failed: %s" % (role, completed.stderr))
    token = completed.stdout.strip()
    check(token != "" and "\n" not in token, "apikey create printed %r" % completed.stdout)
    return token


class Attempt:
    """One top-up request as sent; the same key and body are used for every retry."""

    def __init__(self, line_id, amount_jpy, key):
        self.line_id = line_id
        self.amount_jpy = amount_jpy
        self.key = key
        self.path = "/v1/lines/%s/topups" % line_id
        self.body = json.dumps({"amount_jpy": amount_jpy, "payment": {"method": "cash"}})
        self.status = None  # HTTP status, or None when no response arrived.
        self.order_id = None


class Load:
    """Threads sending top-ups until told to stop or until the server is gone."""

    def __init__(self, crash_round, port, token, line_ids):
        self.crash_round = crash_round
        self.port = port
        self.token = token
        self.line_ids = line_ids
        self.stop = threading.Event()
        self.killing = threading.Event()  # Set just before the SIGKILL.
        self.lock = threading.Lock()
        self.in_flight = 0
        self.attempts = []
        self.unexpected = []  # (status, body) of answers other than 201 before the kill.

    def run(self, thread_index):
        generator = random.Random(self.crash_round * 1000 + thread_index)
        sequence = 0
        while not self.stop.is_set():
            sequence += 1
            attempt = Attempt(generator.choice(self.line_ids),
                              generator.randint(1, AMOUNT_JPY_MAX),
                              "crash-%d-%d-%d" % (self.crash_round, thread_index, sequence))
            with self.lock:
                self.attempts.append(attempt)
                self.in_flight += 1
            try:
                answer = request(self.port, "POST", attempt.path, self.token, attempt.body,
                                 attempt.key)
            except (OSError, http.client.HTTPException) as error:
                # Refused, reset or cut short: the server is gone. Unacknowledged.
                if not self.killing.is_set():
                    with self.lock:
                        self.unexpected.append((None, "before the kill: %r" % error))
                return
            finally:
                with self.lock:
                    self.in_flight -= 1
            attempt.status = answer.status
            if answer.status == 201 and answer.json:
                attempt.order_id = answer.json.get("order_id")
            else:
                with self.lock:
                    self.unexpected.append((answer.status, answer.body[:300]))


def list_line_orders(port, token, line_id):
    orders = {}
    cursor = None
    for _ in range(10000):
        path = "/v1/lines/%s/orders?limit=%d" % (line_id, PAGE_LIMIT)
        if cursor:
            path += "&cursor=" + cursor
        answer = request(port, "GET", path, token)
        check(answer.status == 200, "GET %s answered %d: %s" % (path, answer.status, answer.body))
        for order in answer.json["data"]:
            check(order["order_id"] not in orders,
                  "order %s listed twice for line %s" % (order["order_id"], line_id))
            check(order["line_id"] == line_id,
                  "order %s of line %s listed under line %s"
                  % (order["order_id"], order["line_id"], line_id))
            orders[order["order_id"]] = order
        cursor = answer.json.get("next_cursor")
        if not cursor:
            return orders
    raise TestFailure("pagination of %s's orders did not end" % line_id)


def line_balance(port, token, line_id):
    answer = request(port, "GET", "/v1/lines/%s/status" % line_id, token)
    check(answer.status == 200, "status of %s answered %d: %s"
          % (line_id, answer.status, answer.body))
    balance = answer.json["balance_jpy"]
    check(isinstance(balance, int), "balance_jpy of %s is %r" % (line_id, balance))
    return balance


def ledger_view(port, token, line_ids, pool):
    """{line_id: (balance_jpy, {order_id: order})} read through the API."""
    def one(line_id):
        return line_id, (line_balance(port, token, line_id),
                         list_line_orders(port, token, line_id))
    return dict(pool.map(one, line_ids))


def completed_sum(orders):
    return sum(o["amount_jpy"] for o in orders.values() if o["status"] == "completed")


def check_balances_match_orders(view, label):
    for line_id, (balance, orders) in view.items():
        for order in orders.values():
            check(order["kind"] == "topup" and order["status"] == "completed",
                  "%s: order %s of line %s is a %s %s; only completed top-ups were placed"
                  % (label, order["order_id"], line_id, order["status"], order["kind"]))
        check(balance == completed_sum(orders),
              "%s: line %s has balance %d but its completed orders sum to %d"
              % (label, line_id, balance, completed_sum(orders)))


def provision_lines(port, admin):
    line_ids = []
    for serial in range(1, LINE_COUNT + 1):
        answer = request(port, "POST", "/v1/lines", admin,
                         {"iccid": iccid(serial), "carrier": "au"})
        check(answer.status == 201, "provisioning answered %d: %s" % (answer.status, answer.body))
        line_ids.append(answer.json["line_id"])
    return line_ids


def run_load_and_kill(crash_round, server, clerk, line_ids):
    """Returns (attempts, in-flight count at the kill, unexpected answers)."""
    load = Load(crash_round, server.port, clerk, line_ids)
    threads = [threading.Thread(target=load.run, args=(index,), daemon=True)
               for index in range(THREAD_COUNT)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS)
    load.killing.set()
    with load.lock:
        in_flight_at_kill = load.in_flight
    server.kill()
    load.stop.set()
    for thread in threads:
        thread.join(timeout=REQUEST_TIMEOUT_SECONDS + 2)
        check(not thread.is_alive(), "a load thread did not finish after the kill")
    return load.attempts, in_flight_at_kill, load.unexpected


def check_acknowledged(server, admin, acknowledged, pool):
    def one(attempt):
        answer = request(server.port, "GET", "/v1/orders/" + attempt.order_id, admin)
        check(answer.status == 200, "acknowledged order %s is lost: GET answered %d: %s"
              % (attempt.order_id, answer.status, answer.body))
        order = answer.json
        check(order["status"] == "completed",
              "acknowledged order %s is %s" % (attempt.order_id, order["status"]))
        check(order["line_id"] == attempt.line_id and order["amount_jpy"] == attempt.amount_jpy,
              "acknowledged order %s changed: %r" % (attempt.order_id, order))
    list(pool.map(one, acknowledged))


def retry(server, clerk, attempt):
    answer = request(server.port, "POST", attempt.path, clerk, attempt.body, attempt.key)
    check(answer.status == 201, "retry of %s answered %d: %s"
          % (attempt.key, answer.status, answer.body))
    check(answer.json["line_id"] == attempt.line_id
          and answer.json["amount_jpy"] == attempt.amount_jpy
          and answer.json["status"] == "completed",
          "retry of %s answered a different order: %s" % (attempt.key, answer.body))
    return answer.json["order_id"], answer.headers.get("idempotent-replayed") == "true"


def check_retries(server, clerk, admin, unacknowledged, before, pool):
    """Retries each unanswered request twice. Returns how many had committed before the kill."""
    orders_before = {}
    for line_id, (_, orders) in before.items():
        orders_before.update(orders)
    first = list(pool.map(lambda attempt: retry(server, clerk, attempt), unacknowledged))
    expected_growth = {line_id: 0 for line_id in before}
    retried_orders = set()
    committed_before_kill = 0
    for attempt, (order_id, replayed) in zip(unacknowledged, first):
        attempt.order_id = order_id
        check(order_id not in retried_orders,
              "two different requests were answered with order %s" % order_id)
        retried_orders.add(order_id)
        if order_id in orders_before:
            # It committed before the kill but its answer was lost: the retry must replay it.
            check(replayed, "retry of %s returned the committed order %s without "
                  "Idempotent-Replayed: true" % (attempt.key, order_id))
            check(orders_before[order_id]["amount_jpy"] == attempt.amount_jpy,
                  "retry of %s matched order %s of another amount" % (attempt.key, order_id))
            committed_before_kill += 1
        else:
            check(not replayed, "retry of %s claims a replay of order %s, which did not exist"
                  % (attempt.key, order_id))
            expected_growth[attempt.line_id] += attempt.amount_jpy
    after = ledger_view(server.port, admin, list(before), pool)
    check_balances_match_orders(after, "after retries")
    for line_id, (balance, orders) in after.items():
        check(balance == before[line_id][0] + expected_growth[line_id],
              "line %s: balance %d after retries, expected %d + %d (a double charge?)"
              % (line_id, balance, before[line_id][0], expected_growth[line_id]))
    second = list(pool.map(lambda attempt: retry(server, clerk, attempt), unacknowledged))
    for attempt, (order_id, replayed), (first_order, _) in zip(unacknowledged, second, first):
        check(replayed and order_id == first_order,
              "second retry of %s was not a replay of %s" % (attempt.key, first_order))
    for line_id in before:
        check(line_balance(server.port, admin, line_id) == after[line_id][0],
              "line %s: a second retry moved money" % line_id)
    return committed_before_kill, after


class Totals:
    """What all crash rounds saw, for the summary line."""

    def __init__(self):
        self.attempts = []
        self.acknowledged = 0
        self.in_flight = 0
        self.unacknowledged = 0
        self.committed_before_kill = 0


def crash_and_check(crash_round, server, clerk, admin, line_ids, pool, totals):
    """Loads the server, kills it, restarts it and checks every invariant on the result."""
    attempts, in_flight_at_kill, unexpected = run_load_and_kill(crash_round, server, clerk,
                                                                line_ids)
    check(not unexpected, "%d top-ups were refused under load, e.g. %r"
          % (len(unexpected), unexpected[:3]))
    acknowledged = [a for a in attempts if a.status == 201]
    unacknowledged = [a for a in attempts if a.status is None]
    check(len(acknowledged) > 0, "no top-up was acknowledged before the kill")
    check(all(a.order_id for a in acknowledged), "a 201 answer had no order_id")
    totals.attempts.extend(attempts)
    all_acknowledged = [a for a in totals.attempts if a.status == 201]

    server.start()
    check_acknowledged(server, admin, acknowledged, pool)
    before = ledger_view(server.port, admin, line_ids, pool)
    check_balances_match_orders(before, "after restart %d" % (crash_round + 1))
    acknowledged_by_line = {line_id: 0 for line_id in line_ids}
    for attempt in all_acknowledged:
        acknowledged_by_line[attempt.line_id] += attempt.amount_jpy
    for attempt in all_acknowledged:
        check(attempt.order_id in before[attempt.line_id][1], "acknowledged order %s is "
              "missing from line %s's order list" % (attempt.order_id, attempt.line_id))
    for line_id, (balance, _) in before.items():
        check(balance >= acknowledged_by_line[line_id],
              "line %s: balance %d is below its acknowledged top-ups %d"
              % (line_id, balance, acknowledged_by_line[line_id]))
    # Every stored order is accounted for: acknowledged, or one of the unanswered requests.
    stored = sum(len(orders) for _, orders in before.values())
    check(stored <= len(totals.attempts),
          "%d orders are stored but only %d requests were sent" % (stored, len(totals.attempts)))

    committed_before_kill, after = check_retries(server, clerk, admin, unacknowledged, before,
                                                 pool)
    # Now every request has its one order, and every stored order belongs to one request.
    answered = {attempt.order_id for attempt in totals.attempts}
    check(len(answered) == len(totals.attempts), "two requests share an order")
    stored = set()
    for _, orders in after.values():
        stored.update(orders)
    check(not stored - answered, "orders %s belong to no request: a retry placed a second "
          "order instead of replaying the first (double charge)" % sorted(stored - answered)[:5])
    check(not answered - stored, "orders %s were answered but are not stored"
          % sorted(answered - stored)[:5])
    totals.acknowledged += len(acknowledged)
    totals.in_flight += in_flight_at_kill
    totals.unacknowledged += len(unacknowledged)
    totals.committed_before_kill += committed_before_kill


def main():
    check(len(sys.argv) == 2, "usage: crash_test.py PATH_TO_SIMKEEP")
    binary = os.path.abspath(sys.argv[1])
    check(os.access(binary, os.X_OK), "%s is not an executable" % binary)
    with tempfile.TemporaryDirectory(prefix="simkeep-crash-") as directory:
        database = os.path.join(directory, "db")
        migrated = run_cli(binary, database, "migrate")  # Creates the database and its key.
        check(migrated.returncode == 0, "simkeep migrate failed: %s" % migrated.stderr)
        server = Server(binary, directory, database)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=READ_WORKERS)

        def on_deadline():
            # A request or a process that hangs: stop everything rather than run on.
            print("crash test FAILED: still running after %.0f s" % DEADLINE_SECONDS,
                  file=sys.stderr)
            if server.process is not None and server.process.poll() is None:
                server.process.kill()
            shutil.rmtree(directory, ignore_errors=True)
            os._exit(1)

        watchdog = threading.Timer(DEADLINE_SECONDS, on_deadline)
        watchdog.daemon = True
        watchdog.start()
        try:
            clerk = create_token(binary, database, "clerk")
            admin = create_token(binary, database, "admin")
            server.start()
            line_ids = provision_lines(server.port, admin)
            totals = Totals()
            for crash_round in range(CRASH_ROUNDS):
                crash_and_check(crash_round, server, clerk, admin, line_ids, pool, totals)

            exit_code = server.terminate()
            check(exit_code == 0, "simkeep serve exited with %d after SIGTERM; log:\n%s"
                  % (exit_code, server.log()))
            audit = run_cli(binary, database, "audit")
            check(audit.returncode == 0, "audit exited with %d:\n%s%s"
                  % (audit.returncode, audit.stdout, audit.stderr))
            print("crash test: %d acknowledged top-ups survived, 0 lost; %d kills with %d "
                  "requests in flight, %d unanswered (%d had committed and were replayed, %d "
                  "placed on retry), no double charge; %.1f s; %s"
                  % (totals.acknowledged, CRASH_ROUNDS, totals.in_flight, totals.unacknowledged,
                     totals.committed_before_kill,
                     totals.unacknowledged - totals.committed_before_kill,
                     time.monotonic() - STARTED_AT, audit.stdout.strip().splitlines()[-1]))
            return 0
        except (TestFailure, subprocess.TimeoutExpired, OSError,
                http.client.HTTPException) as failure:
            print("crash test FAILED: %s" % failure, file=sys.stderr)
            return 1
        finally:
            watchdog.cancel()
            server.kill()
            pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TestFailure as failure:
        print("crash test FAILED: %s" % failure, file=sys.stderr)
        sys.exit(1)
