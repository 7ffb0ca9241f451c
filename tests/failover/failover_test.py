#!/usr/bin/env python3
"""Failover test: PostgreSQL primary lost under load, synchronous replica promoted, nothing lost.

Usage: failover_test.py PATH_TO_SIMKEEP [--scenario crash|freeze]
                        [--sabotage delete-order|extra-order|no-promote]

The test builds, in a temporary directory, a PostgreSQL 15 primary with one synchronous
streaming replica (pg_basebackup -R, application_name=replica1, synchronous_standby_names =
'replica1', synchronous_commit = on), both on loopback. It migrates a simkeep database on it,
imports lines and makes a clerk API key, then starts ONE `simkeep serve` with the multi-host URL

    postgresql://postgres@127.0.0.1:P1,127.0.0.1:P2/simkeep?target_session_attrs=read-write&...

and sends cash top-ups from several threads (two more read line status throughout, and must
get answers again after the failover too). Every top-up carries its own Idempotency-Key; a
request that gets no 201 (503, 409 idempotency_key_in_use, or a broken connection) is retried
with the SAME key and body until it is acknowledged, as a real client does. After a moment of
load the primary fails, and the replica is promoted (pg_ctl promote). simkeep is NOT restarted:
it has to find the new primary by itself, within RECOVERY_BOUND_SECONDS of the promotion.

How the primary fails (--scenario):
  crash   (default) SIGKILL to the postmaster and every child at once: a power loss, no
          shutdown checkpoint. The kernel closes the sockets, so simkeep's connections break.
  freeze  SIGSTOP to the postmaster and every child: a hung machine. The kernel still accepts
          and acknowledges, nothing answers and nothing closes, so only a deadline on simkeep's
          side can tell the connection is dead (as with a network partition that drops packets,
          where only TCP keepalives could notice: after two hours of silence by default).

Then it checks, against the promoted server:
  * every acknowledged top-up exists (GET /v1/orders/{id}) as a completed order of its line and
    amount, with a receipt number;
  * the orders table holds exactly the acknowledged orders: none lost, none extra, and no
    Idempotency-Key has two orders;
  * each line's balance_jpy (GET /v1/lines/{id}/status) is the sum of its acknowledged top-ups;
  * nothing was answered with a status other than 201, 503 or 409 idempotency_key_in_use (200
    or 503 for the reads);
  * `simkeep --database <promoted server> audit` exits 0 after simkeep stopped cleanly.

It prints one summary line (acknowledged top-ups, failed attempts during the gap, recovery
time). Whatever happens, every server it started is stopped and the directory removed.

--sabotage is for checking that the test can fail (run it by hand, expect a FAILED line):
delete-order deletes one acknowledged order from the promoted server before the checks,
extra-order adds an order no client asked for, no-promote never promotes the replica.
ctest runs the crash scenario as failover_test and the freeze scenario as failover_freeze_test.

Requirements: PostgreSQL 15 server binaries in PG_BIN (default /usr/lib/postgresql/15/bin).
As root, the servers run as the "postgres" user through runuser, like scripts/with_postgres.sh.
"""

import argparse
import collections
import concurrent.futures
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
LINE_COUNT = 20
THREAD_COUNT = 8  # Clients sending top-ups.
READER_COUNT = 2  # Clients reading line status throughout (the read sessions fail over too).
LOAD_BEFORE_FAILURE_SECONDS = 1.5
PROMOTE_DELAY_SECONDS = 1.0  # Stands for the time a failover manager takes to notice.
LOAD_AFTER_RECOVERY_SECONDS = 1.5
RECOVERY_BOUND_SECONDS = 30.0  # From the promotion to the first acknowledged top-up.
RETRY_PAUSE_SECONDS = 0.05
AMOUNT_JPY_MAX = 300  # Keeps every wallet far below its 1,000,000 yen cap.
PAGE_LIMIT = 200
REQUEST_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
SYNC_TIMEOUT_SECONDS = 30.0
START_ATTEMPTS = 5  # Tries to start a PostgreSQL server, each on another free port.
READ_WORKERS = 8
DEADLINE_SECONDS = 240.0  # The whole test; ctest's own timeout is 300 s.
REPLICA_NAME = "replica1"

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


def elapsed(since):
    return time.monotonic() - since


def iccid(serial):
    payload = "898130%013d" % serial  # KDDI issuer prefix, 19 digits before the check digit.
    return payload + luhn_check_digit(payload)


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def tail(path, size=4000):
    try:
        with open(path, "rb") as file:
            return file.read()[-size:].decode("utf-8", "replace")
    except OSError:
        return "(no log at %s)" % path


# PostgreSQL --------------------------------------------------------------------------------------

def as_server_user(arguments):
    """initdb, pg_ctl and pg_basebackup refuse to run as root: run them as "postgres"."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + arguments
    return arguments


def run_server_tool(arguments, what, timeout=60):
    completed = subprocess.run(as_server_user(arguments), stdin=subprocess.DEVNULL,
                               capture_output=True, text=True,
                               timeout=min(timeout, remaining_seconds()))
    check(completed.returncode == 0, "%s failed (exit %d):\n%s%s"
          % (what, completed.returncode, completed.stdout, completed.stderr))
    return completed.stdout


class PostgresServer:
    """One PostgreSQL server in DIRECTORY/NAME, listening on 127.0.0.1 on a free port."""

    def __init__(self, directory, name):
        self.name = name
        self.port = None  # Chosen by start().
        self.data = os.path.join(directory, name)
        self.log_path = os.path.join(directory, name + ".log")
        self.started = False
        self.frozen = []  # The processes freeze() stopped.

    def start(self):
        # Another process may take the port between the check and the bind (ctest runs tests
        # in parallel), so a failed start is retried on another port.
        for _ in range(START_ATTEMPTS):
            port = free_port()
            completed = subprocess.run(
                as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data,
                                "-l", self.log_path, "-o", "-p %d" % port, "-w", "-t", "60",
                                "start"]),
                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=min(90, remaining_seconds()))
            if completed.returncode == 0:
                self.port = port
                self.started = True
                return
        raise TestFailure("the %s did not start in %d attempts; log:\n%s"
                          % (self.name, START_ATTEMPTS, tail(self.log_path)))

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as file:
                return int(file.readline().strip())
        except (OSError, ValueError):
            return None

    def kill(self):
        """SIGKILL to the postmaster and all its children at once: the machine lost power. The
        clients' connections break (the kernel closes the sockets) and nothing is flushed."""
        victims = self.stopped_postmaster_and_children()
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while any(process_alive(victim) for victim in victims):
            check(time.monotonic() < deadline, "the %s survived SIGKILL" % self.name)
            time.sleep(0.01)

    def freeze(self):
        """SIGSTOP to the postmaster and all its children: the machine hangs. Connections stay
        open and the kernel keeps acknowledging what is sent, but nothing ever answers."""
        self.frozen = self.stopped_postmaster_and_children()
        for victim in self.frozen:
            os.kill(victim, signal.SIGSTOP)

    def stopped_postmaster_and_children(self):
        """Stops the postmaster first, so that it forks no child after they are listed (a
        backend started meanwhile would otherwise survive and keep its connection), then lists
        it and its children."""
        pid = self.postmaster_pid()
        check(pid is not None, "the %s has no postmaster.pid" % self.name)
        os.kill(pid, signal.SIGSTOP)
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while process_state(pid) not in ("T", "t"):
            check(time.monotonic() < deadline, "the %s's postmaster did not stop" % self.name)
            time.sleep(0.001)
        return [pid] + children_of(pid)

    def stop(self):
        """Best effort, for clean-up: an immediate stop, then SIGKILL whatever is left."""
        if not self.started:
            return
        for victim in self.frozen:  # A frozen server would ignore pg_ctl until it thawed.
            try:
                os.kill(victim, signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D", self.data, "-m",
                                       "immediate", "-w", "-t", "20", "stop"]),
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        pid = self.postmaster_pid()
        if pid is not None and process_alive(pid) and process_name(pid) == "postgres":
            for victim in [pid] + children_of(pid):
                try:
                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def url(self, database="simkeep"):
        return "postgresql://postgres@127.0.0.1:%d/%s?connect_timeout=2" % (self.port, database)

    def sql(self, statement, database="postgres"):
        """Runs `statement` with psql; returns its rows as lists of fields ('|'-separated)."""
        completed = subprocess.run(
            [os.path.join(PG_BIN, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
             "-c", statement],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=min(60, remaining_seconds()))
        check(completed.returncode == 0, "psql on the %s failed: %s\n%s"
              % (self.name, statement, completed.stderr))
        return [row.split("|") for row in completed.stdout.splitlines() if row != ""]


def children_of(pid):
    children = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as file:
                # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'.
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(entry))
    return children


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T, Z...), or None when there is no such
    process."""
    try:
        with open("/proc/%d/stat" % pid) as file:
            return file.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def process_alive(pid):
    state = process_state(pid)
    return state is not None and state != "Z"  # A zombie has exited; its parent has not waited.


def process_name(pid):
    try:
        with open("/proc/%d/comm" % pid) as file:
            return file.read().strip()
    except OSError:
        return ""


def append_settings(path, settings):
    with open(path, "a") as file:
        file.write("\n# failover_test.py\n")
        for name, value in settings:
            file.write("%s = %s\n" % (name, value))


def build_cluster(directory):
    """Initialises and starts a primary and its synchronous replica. Returns (primary, replica)."""
    primary = PostgresServer(directory, "primary")
    replica = PostgresServer(directory, "replica")
    run_server_tool([os.path.join(PG_BIN, "initdb"), "-D", primary.data, "-A", "trust",
                     "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"], "initdb")
    # initdb's pg_hba.conf already trusts replication connections from 127.0.0.1.
    append_settings(os.path.join(primary.data, "postgresql.conf"), [
        ("listen_addresses", "'127.0.0.1'"),  # The port is given at start.
        ("unix_socket_directories", "'%s'" % directory),
        ("max_connections", "60"),
        ("wal_level", "replica"),
        ("max_wal_senders", "4"),
        ("wal_keep_size", "'128MB'"),
        ("synchronous_commit", "on"),
        ("synchronous_standby_names", "'%s'" % REPLICA_NAME),
        ("hot_standby", "on"),
        ("shared_buffers", "'32MB'"),
    ])
    primary.start()
    run_server_tool([os.path.join(PG_BIN, "pg_basebackup"), "-h", "127.0.0.1",
                     "-p", str(primary.port), "-U", "postgres", "-D", replica.data, "-R",
                     "-X", "stream", "-c", "fast"], "pg_basebackup")
    # -R wrote standby.signal and a primary_conninfo; the lines below come later in the file
    # and so win. The replica's copied postgresql.conf names itself as the synchronous standby:
    # once promoted it has no standby of its own, so it must not wait for one (a failover
    # manager such as Patroni rewrites this setting the same way; see docs/operating.md).
    append_settings(os.path.join(replica.data, "postgresql.auto.conf"), [
        ("primary_conninfo", "'host=127.0.0.1 port=%d user=postgres application_name=%s'"
         % (primary.port, REPLICA_NAME)),
        ("synchronous_standby_names", "''"),
    ])
    replica.start()
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while True:
        rows = primary.sql("SELECT sync_state, state FROM pg_stat_replication "
                           "WHERE application_name = '%s'" % REPLICA_NAME)
        if rows == [["sync", "streaming"]]:
            break
        check(time.monotonic() < deadline, "the replica is not a synchronous, streaming "
              "standby after %.0f s: pg_stat_replication says %r; replica log:\n%s"
              % (SYNC_TIMEOUT_SECONDS, rows, tail(replica.log_path)))
        time.sleep(0.1)
    return primary, replica


def promote(replica):
    run_server_tool([os.path.join(PG_BIN, "pg_ctl"), "-D", replica.data, "-w", "-t", "60",
                     "promote"], "promoting the replica")
    deadline = time.monotonic() + SYNC_TIMEOUT_SECONDS
    while replica.sql("SELECT pg_is_in_recovery()") != [["f"]]:
        check(time.monotonic() < deadline, "the replica is still in recovery after promotion")
        time.sleep(0.05)


# simkeep -----------------------------------------------------------------------------------------

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


class Simkeep:
    """The simkeep binary with one database URL and key file; one `serve` process at a time."""

    def __init__(self, binary, directory, database_url):
        self.binary = binary
        self.directory = directory
        self.database_url = database_url
        self.key_file = os.path.join(directory, "secret.key")
        self.log_path = os.path.join(directory, "simkeep.log")
        self.process = None
        self.port = None

    def cli(self, *arguments, database_url=None):
        return subprocess.run(
            [self.binary, "--database", database_url or self.database_url,
             "--secret-key-file", self.key_file] + list(arguments),
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=min(60, remaining_seconds()))

    def cli_ok(self, *arguments):
        completed = self.cli(*arguments)
        check(completed.returncode == 0, "simkeep %s failed (exit %d):\n%s%s"
              % (" ".join(arguments), completed.returncode, completed.stdout, completed.stderr))
        return completed.stdout

    def serve(self):
        port_file = os.path.join(self.directory, "port")
        log = open(self.log_path, "ab")
        try:
            self.process = subprocess.Popen(
                [self.binary, "--database", self.database_url, "--secret-key-file",
                 self.key_file, "serve", "--port", "0", "--port-file", port_file],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        finally:
            log.close()
        deadline = time.monotonic() + min(READY_TIMEOUT_SECONDS, remaining_seconds())
        while time.monotonic() < deadline:
            check(self.process.poll() is None, "simkeep serve exited with %s during start-up; "
                  "log:\n%s" % (self.process.returncode, tail(self.log_path)))
            if self.port is None:
                self.port = read_port(port_file)
            if self.port is not None:
                try:
                    if request(self.port, "GET", "/readyz", timeout=2).status == 200:
                        return
                except (OSError, http.client.HTTPException):
                    pass
            time.sleep(0.05)
        raise TestFailure("simkeep serve was not ready within %.0f s; log:\n%s"
                          % (READY_TIMEOUT_SECONDS, tail(self.log_path)))

    def terminate(self):
        """Stops `serve` with SIGTERM; returns its exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise TestFailure("simkeep serve did not stop within %.0f s of SIGTERM"
                              % STOP_TIMEOUT_SECONDS)

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)


def read_port(path):
    try:
        with open(path) as file:
            text = file.read()
    except OSError:
        return None
    if not text.endswith("\n") or not text.strip().isdigit():
        return None
    return int(text)


def provision(simkeep):
    """Imports LINE_COUNT lines from a CSV and makes a clerk key. Returns (token, line ids)."""
    csv_path = os.path.join(simkeep.directory, "lines.csv")
    with open(csv_path, "w") as csv:
        csv.write("iccid,carrier,service\n")
        for serial in range(1, LINE_COUNT + 1):
            csv.write("%s,au,data\n" % iccid(serial))
    output = simkeep.cli_ok("import", "lines", csv_path)
    check("%d lines imported" % LINE_COUNT in output, "import lines said: %r" % output)
    token = simkeep.cli_ok("apikey", "create", "--role", "clerk", "--name", "failover").strip()
    check(token != "" and "\n" not in token, "apikey create printed %r" % token)
    return token


def list_line_ids(port, token):
    answer = request(port, "GET", "/v1/lines?limit=%d" % PAGE_LIMIT, token)
    check(answer.status == 200, "GET /v1/lines answered %d: %s" % (answer.status, answer.body))
    line_ids = [line["line_id"] for line in answer.json["data"]]
    check(len(line_ids) == LINE_COUNT, "%d lines listed, %d imported"
          % (len(line_ids), LINE_COUNT))
    return line_ids


# Load --------------------------------------------------------------------------------------------

class Attempt:
    """One top-up as a client means it: the same key and body for every retry."""

    def __init__(self, line_id, amount_jpy, key):
        self.line_id = line_id
        self.amount_jpy = amount_jpy
        self.key = key
        self.path = "/v1/lines/%s/topups" % line_id
        self.body = json.dumps({"amount_jpy": amount_jpy, "payment": {"method": "cash"}})
        self.order_id = None
        self.sends = 0
        self.replayed = False  # The 201 came back with Idempotent-Replayed: true.
        self.acknowledged_at = None


class Load:
    """Client threads sending top-ups, each retrying its current one until acknowledged."""

    def __init__(self, port, token, line_ids):
        self.port = port
        self.token = token
        self.line_ids = line_ids
        self.stop_new = threading.Event()  # Finish the current top-up, start no other.
        self.give_up = threading.Event()  # Abandon everything (the test is failing).
        self.lock = threading.Lock()
        self.attempts = []
        self.failures = collections.Counter()  # What the unacknowledged sends got.
        self.unexpected = []  # (key, status, body): answers no client should ever get.
        self.failed_at = None  # Set by the main thread around the failover.
        self.promoted_at = None  # When the promotion was asked for.
        self.recovered_at = None  # First 201 to a request sent after the primary failed.
        self.last_failure = None
        self.reads = collections.Counter()  # Status reads by outcome.
        self.reads_recovered_at = None  # First 200 to a read sent after the primary failed.

    def read(self, thread_index):
        """Reads line status until told to stop; 503 and broken connections are retried."""
        generator = random.Random(1000 + thread_index)
        while not self.stop_new.is_set() and not self.give_up.is_set():
            line_id = generator.choice(self.line_ids)
            sent_at = time.monotonic()
            try:
                answer = request(self.port, "GET", "/v1/lines/%s/status" % line_id, self.token)
            except (OSError, http.client.HTTPException) as error:
                with self.lock:
                    self.reads["connection: %s" % type(error).__name__] += 1
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            with self.lock:
                self.reads[str(answer.status)] += 1
                if answer.status == 200:
                    if (self.reads_recovered_at is None and self.failed_at is not None
                            and sent_at > self.failed_at):
                        self.reads_recovered_at = time.monotonic()
                elif answer.status != 503:
                    self.unexpected.append(("GET status", answer.status, answer.body[:300]))
            time.sleep(RETRY_PAUSE_SECONDS if answer.status == 503 else 0.01)

    def run(self, thread_index):
        generator = random.Random(thread_index)
        sequence = 0
        while not self.stop_new.is_set() and not self.give_up.is_set():
            sequence += 1
            attempt = Attempt(generator.choice(self.line_ids),
                              generator.randint(1, AMOUNT_JPY_MAX),
                              "failover-%d-%d" % (thread_index, sequence))
            with self.lock:
                self.attempts.append(attempt)
            self.until_acknowledged(attempt)

    def until_acknowledged(self, attempt):
        while not self.give_up.is_set():
            attempt.sends += 1
            sent_at = time.monotonic()
            try:
                answer = request(self.port, "POST", attempt.path, self.token, attempt.body,
                                 attempt.key)
            except (OSError, http.client.HTTPException) as error:
                self.note_failure("connection: %s" % type(error).__name__, repr(error))
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            if answer.status == 201 and answer.json and answer.json.get("order_id"):
                attempt.order_id = answer.json["order_id"]
                attempt.replayed = answer.headers.get("idempotent-replayed") == "true"
                attempt.acknowledged_at = time.monotonic()
                with self.lock:
                    if (self.recovered_at is None and self.failed_at is not None
                            and sent_at > self.failed_at):
                        self.recovered_at = attempt.acknowledged_at
                return
            code = answer.json.get("code") if isinstance(answer.json, dict) else None
            if answer.status == 503 or (answer.status == 409 and
                                        code == "idempotency_key_in_use"):
                self.note_failure("%d %s" % (answer.status, code), answer.body[:300])
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            with self.lock:
                self.unexpected.append((attempt.key, answer.status, answer.body[:300]))
            return

    def note_failure(self, kind, detail):
        with self.lock:
            self.failures[kind] += 1
            self.last_failure = detail


def run_failover(load, primary, replica, scenario, sabotage):
    """Loads, fails the primary, promotes the replica, waits for simkeep to recover, loads on.
    Returns the threads (still finishing their last top-up)."""
    threads = [threading.Thread(target=load.run, args=(index,), daemon=True)
               for index in range(THREAD_COUNT)]
    threads += [threading.Thread(target=load.read, args=(index,), daemon=True)
                for index in range(READER_COUNT)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_BEFORE_FAILURE_SECONDS)
    with load.lock:
        load.failed_at = time.monotonic()
    if scenario == "freeze":
        primary.freeze()
    else:
        primary.kill()
    time.sleep(PROMOTE_DELAY_SECONDS)
    with load.lock:
        load.promoted_at = time.monotonic()  # When the promotion was asked for.
    if sabotage != "no-promote":
        promote(replica)
    deadline = load.promoted_at + RECOVERY_BOUND_SECONDS
    while True:
        with load.lock:
            recovered = load.recovered_at is not None
            unexpected = list(load.unexpected)
        if recovered or unexpected:
            break
        if time.monotonic() > deadline:
            load.give_up.set()
            raise TestFailure(not_recovered(load, scenario))
        time.sleep(0.02)
    time.sleep(LOAD_AFTER_RECOVERY_SECONDS)
    load.stop_new.set()
    return threads


def not_recovered(load, scenario):
    message = ("simkeep did not recover by itself within %.0f s of the promotion: no top-up "
               "sent after the primary %s was acknowledged (failed sends: %s; last: %s)"
               % (RECOVERY_BOUND_SECONDS, "froze" if scenario == "freeze" else "died",
                  dict(load.failures), load.last_failure))
    with load.lock:
        timeouts = load.failures["connection: TimeoutError"]
        others = sum(load.failures.values()) - timeouts
    try:
        healthz = request(load.port, "GET", "/healthz", timeout=2).status
    except (OSError, http.client.HTTPException) as error:
        healthz = "no answer (%s)" % type(error).__name__
    message += "; GET /healthz: %s" % healthz
    if timeouts > 0 and others == 0:
        # simkeep answered nothing at all, not even 503: a request is stuck inside it.
        message += (". simkeep stopped answering writes instead of failing them with 503: its "
                    "write session still waits for the old primary, which will never answer. "
                    "Every database round trip needs a deadline (the blocking libpq calls in "
                    "src/simkeep/storage/postgres/internal/connection.cc have none), after which "
                    "the connection is dropped and the next Begin() reconnects. Reads wait the "
                    "same way on the I/O threads, so once as many reads as there are I/O threads "
                    "are stuck, nothing is answered at all, not even /healthz")
    return message


def finish_load(load, threads):
    deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        load.give_up.set()
        raise TestFailure("top-ups still unacknowledged %.0f s after the load stopped "
                          "(failures: %s; last: %s)"
                          % (RECOVERY_BOUND_SECONDS, dict(load.failures), load.last_failure))


# Checks ------------------------------------------------------------------------------------------

def sabotage_database(kind, server, acknowledged):
    """Breaks what the checks must notice (only with --sabotage)."""
    if kind == "delete-order":
        victim = acknowledged[len(acknowledged) // 2].order_id
        statements = [
            "SET session_replication_role = replica",  # No triggers, no foreign-key checks.
            "DELETE FROM receipt_rate_totals WHERE receipt_number IN "
            "(SELECT receipt_number FROM receipts WHERE order_id = '%s')" % victim,
            "DELETE FROM receipt_lines WHERE receipt_number IN "
            "(SELECT receipt_number FROM receipts WHERE order_id = '%s')" % victim,
            "DELETE FROM receipts WHERE order_id = '%s'" % victim,
            "DELETE FROM payments WHERE order_id = '%s'" % victim,
            "DELETE FROM orders WHERE order_id = '%s'" % victim,
        ]
        server.sql("; ".join(statements), database="simkeep")
        print("sabotage: deleted acknowledged order %s" % victim, file=sys.stderr)
    elif kind == "extra-order":
        model = acknowledged[0].order_id
        server.sql("INSERT INTO orders SELECT order_id || 'x', line_id, kind, status, plan_id, "
                   "amount_jpy, channel, idempotency_key, failure_reason, NULL, created_at, "
                   "completed_at FROM orders WHERE order_id = '%s'" % model, database="simkeep")
        print("sabotage: copied order %s under a second id, same key" % model, file=sys.stderr)


def check_orders_through_api(port, token, acknowledged, pool):
    def one(attempt):
        answer = request(port, "GET", "/v1/orders/" + attempt.order_id, token)
        check(answer.status == 200, "acknowledged order %s (key %s) is lost: GET answered %d: %s"
              % (attempt.order_id, attempt.key, answer.status, answer.body))
        order = answer.json
        check(order["status"] == "completed" and order.get("receipt_number"),
              "acknowledged order %s is %s (receipt %r)"
              % (attempt.order_id, order["status"], order.get("receipt_number")))
        check(order["line_id"] == attempt.line_id and order["amount_jpy"] == attempt.amount_jpy,
              "acknowledged order %s changed: %r" % (attempt.order_id, order))
    list(pool.map(one, acknowledged))


def check_orders_in_sql(server, acknowledged):
    """The promoted server holds exactly the acknowledged orders, one per Idempotency-Key."""
    rows = server.sql("SELECT order_id, idempotency_key, line_id, amount_jpy, status "
                      "FROM orders", database="simkeep")
    stored = {row[0]: row for row in rows}
    by_key = collections.defaultdict(list)
    for row in rows:
        by_key[row[1]].append(row[0])
    doubled = {key: ids for key, ids in by_key.items() if len(ids) > 1}
    check(not doubled, "Idempotency-Keys with more than one order (double charge): %s"
          % sorted(doubled.items())[:5])
    acknowledged_ids = {attempt.order_id for attempt in acknowledged}
    missing = acknowledged_ids - set(stored)
    check(not missing, "acknowledged orders missing from the promoted server: %s"
          % sorted(missing)[:5])
    extra = set(stored) - acknowledged_ids
    check(not extra, "orders no client was acknowledged for: %s" % sorted(extra)[:5])
    for attempt in acknowledged:
        _, scoped_key, line_id, amount_jpy, status = stored[attempt.order_id]
        # The column holds the key scoped by the API key that sent it: "key_...:KEY".
        check(scoped_key.split(":", 1)[-1] == attempt.key and line_id == attempt.line_id
              and int(amount_jpy) == attempt.amount_jpy and status == "completed",
              "order %s is stored as %r, acknowledged as key %s, line %s, %d yen"
              % (attempt.order_id, stored[attempt.order_id], attempt.key, attempt.line_id,
                 attempt.amount_jpy))
    keys = server.sql("SELECT count(*) FROM idempotency_keys WHERE key_value LIKE 'failover-%'",
                      database="simkeep")
    check(int(keys[0][0]) == len(acknowledged), "%s Idempotency-Keys stored for %d top-ups"
          % (keys[0][0], len(acknowledged)))


def check_balances(port, token, line_ids, acknowledged, pool):
    expected = {line_id: 0 for line_id in line_ids}
    for attempt in acknowledged:
        expected[attempt.line_id] += attempt.amount_jpy

    def one(line_id):
        answer = request(port, "GET", "/v1/lines/%s/status" % line_id, token)
        check(answer.status == 200, "status of %s answered %d: %s"
              % (line_id, answer.status, answer.body))
        balance = answer.json["balance_jpy"]
        check(balance == expected[line_id], "line %s: balance_jpy %r, but its acknowledged "
              "top-ups sum to %d" % (line_id, balance, expected[line_id]))
    list(pool.map(one, line_ids))


# Main --------------------------------------------------------------------------------------------

def parse_arguments():
    parser = argparse.ArgumentParser(description="PostgreSQL failover test of simkeep.")
    parser.add_argument("simkeep", help="path to the simkeep binary")
    parser.add_argument("--scenario", choices=("crash", "freeze"), default="crash",
                        help="how the primary fails")
    parser.add_argument("--sabotage", choices=("delete-order", "extra-order", "no-promote"),
                        help="break something the test must notice (to check that it can fail)")
    arguments = parser.parse_args()
    binary = os.path.abspath(arguments.simkeep)
    check(os.access(binary, os.X_OK), "%s is not an executable" % binary)
    for tool in ("initdb", "pg_ctl", "pg_basebackup", "psql"):
        check(os.access(os.path.join(PG_BIN, tool), os.X_OK),
              "no %s in %s (install postgresql-15: scripts/setup.sh --test)" % (tool, PG_BIN))
    return binary, arguments.scenario, arguments.sabotage


def run(binary, scenario, sabotage, directory, servers, pool):
    primary, replica = build_cluster(directory)
    servers.extend([primary, replica])
    primary.sql("CREATE DATABASE simkeep TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C' LC_CTYPE 'C'")
    url = ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/simkeep"
           "?target_session_attrs=read-write&connect_timeout=2" % (primary.port, replica.port))
    simkeep = Simkeep(binary, directory, url)
    servers.append(simkeep)
    simkeep.cli_ok("migrate")
    token = provision(simkeep)
    simkeep.serve()
    serve_pid = simkeep.process.pid
    line_ids = list_line_ids(simkeep.port, token)

    load = Load(simkeep.port, token, line_ids)
    threads = run_failover(load, primary, replica, scenario, sabotage)
    finish_load(load, threads)
    check(not load.unexpected, "%d requests got an answer a client cannot retry, e.g. %r"
          % (len(load.unexpected), load.unexpected[:3]))
    check(simkeep.process.poll() is None and simkeep.process.pid == serve_pid,
          "simkeep serve exited during the failover (%s); log:\n%s"
          % (simkeep.process.returncode, tail(simkeep.log_path)))
    acknowledged = list(load.attempts)
    check(all(attempt.order_id for attempt in acknowledged), "a top-up was never acknowledged")
    order_ids = [attempt.order_id for attempt in acknowledged]
    check(len(set(order_ids)) == len(order_ids), "two top-ups were answered with one order")
    check(request(simkeep.port, "GET", "/readyz").status == 200, "/readyz is not 200 after "
          "the failover")
    if load.reads_recovered_at is None:
        # The reader threads stop with the load, which may end while a read sent into the frozen
        # primary is still waiting for its deadline: reads must still come back within the bound.
        deadline = time.monotonic() + RECOVERY_BOUND_SECONDS
        while load.reads_recovered_at is None and time.monotonic() < deadline:
            try:
                answer = request(simkeep.port, "GET", "/v1/lines/%s/status" % load.line_ids[0],
                                 token)
                if answer.status == 200:
                    load.reads_recovered_at = time.monotonic()
                    break
                load.reads[str(answer.status)] += 1
            except (OSError, http.client.HTTPException) as error:
                load.reads["connection: %s" % type(error).__name__] += 1
            time.sleep(RETRY_PAUSE_SECONDS)
    check(load.reads_recovered_at is not None, "no status read succeeded after the primary "
          "failed (reads: %s)" % dict(load.reads))

    if sabotage in ("delete-order", "extra-order"):
        sabotage_database(sabotage, replica, acknowledged)
    check_orders_through_api(simkeep.port, token, acknowledged, pool)
    check_orders_in_sql(replica, acknowledged)
    check_balances(simkeep.port, token, line_ids, acknowledged, pool)

    exit_code = simkeep.terminate()
    check(exit_code == 0, "simkeep serve exited with %d after SIGTERM; log:\n%s"
          % (exit_code, tail(simkeep.log_path)))
    audit = simkeep.cli("audit", database_url=replica.url())
    check(audit.returncode == 0, "audit on the promoted server exited with %d:\n%s%s"
          % (audit.returncode, audit.stdout, audit.stderr))

    before_failure = sum(1 for a in acknowledged if a.acknowledged_at < load.failed_at)
    after_promotion = sum(1 for a in acknowledged if a.acknowledged_at >= load.promoted_at)
    failed = sum(load.failures.values())
    print("failover test (%s): %d top-ups acknowledged (%d before the primary failed, %d after "
          "the promotion), "
          "0 lost, 0 doubled; %d failed attempts during the gap (%s), retried with the same key "
          "(%d answered as replays); recovered %.2f s after the primary failed, %.2f s after the "
          "promotion (bound %.0f s); status reads %s; %s; %.1f s in all"
          % (scenario, len(acknowledged), before_failure, after_promotion, failed,
             ", ".join("%s: %d" % item for item in sorted(load.failures.items())) or "none",
             sum(1 for a in acknowledged if a.replayed),
             load.recovered_at - load.failed_at, load.recovered_at - load.promoted_at,
             RECOVERY_BOUND_SECONDS,
             ", ".join("%s: %d" % item for item in sorted(load.reads.items())),
             audit.stdout.strip().splitlines()[-1],
             elapsed(STARTED_AT)))


def main():
    binary, scenario, sabotage = parse_arguments()
    directory = tempfile.mkdtemp(prefix="simkeep-failover-")
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    servers = []  # PostgresServer and Simkeep objects to stop, whatever happens.
    cleaned = threading.Lock()

    def clean_up():
        if not cleaned.acquire(blocking=False):
            return
        for server in reversed(servers):
            try:
                server.kill() if isinstance(server, Simkeep) else server.stop()
            except (OSError, subprocess.SubprocessError, TestFailure) as error:
                print("failover test: clean-up of %s: %r" % (server, error), file=sys.stderr)
        shutil.rmtree(directory, ignore_errors=True)

    def on_deadline():
        # A request or a process that hangs: stop everything rather than run on.
        print("failover test FAILED: still running after %.0f s" % DEADLINE_SECONDS,
              file=sys.stderr)
        clean_up()
        os._exit(1)

    def on_signal(number, _frame):
        raise TestFailure("stopped by signal %d" % number)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    watchdog = threading.Timer(DEADLINE_SECONDS, on_deadline)
    watchdog.daemon = True
    watchdog.start()
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=READ_WORKERS)
    try:
        run(binary, scenario, sabotage, directory, servers, pool)
        return 0
    except (TestFailure, subprocess.TimeoutExpired, OSError,
            http.client.HTTPException) as failure:
        print("failover test FAILED: %s" % failure, file=sys.stderr)
        for server in servers:
            if isinstance(server, Simkeep):
                print("--- simkeep log (tail) ---\n%s" % tail(server.log_path, 3000),
                      file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("failover test FAILED: interrupted", file=sys.stderr)
        return 130
    finally:
        watchdog.cancel()
        pool.shutdown(wait=False, cancel_futures=True)
        clean_up()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except TestFailure as failure:
        print("failover test FAILED: %s" % failure, file=sys.stderr)
        sys.exit(1)
