#!/usr/bin/env python3
"""Leader election between `simkeep serve` processes on one database.

Usage: leader_test.py PATH_TO_SIMKEEP [unittest arguments]
With SIMKEEP_TEST_PG_URI set (scripts/with_postgres.sh) the servers share a fresh PostgreSQL
database and elect through its advisory lock; without it they share a SQLite file and elect
through the flock on `<file>.leader`. Needs psql for PostgreSQL, and the Python standard library.

Checked through each server's GET /healthz ("leader": true|false) and its log:
  * of two servers, exactly one leads, and it stays so;
  * SIGKILL to the leader: the other leads within TAKEOVER_SECONDS;
  * a server started after that follows;
  * SIGTERM to the leader: it gives leadership up (logged), and the follower takes over.
Nothing here measures time beyond "within N seconds" (a new leader waits out a takeover delay
of a few seconds first; see docs/operating.md).
"""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

BINARY = None  # Set from the command line.
PG_URI = os.environ.get("SIMKEEP_TEST_PG_URI", "")
READY_SECONDS = 30
TAKEOVER_SECONDS = 20  # PostgreSQL takes over within about 5 s, SQLite 2.5 s; the rest is slack.
STABLE_SECONDS = 2.5   # Longer than either backend's try interval: every follower has tried.


def psql(url, command):
    completed = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url,
                                "-c", command], capture_output=True, timeout=60)
    if completed.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (command, completed.stderr.decode()))
    return completed.stdout.decode("utf-8").strip()


def health(port):
    """The /healthz body of the server on `port`, or None when it does not answer."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz", headers={"Connection": "close"})
        answer = connection.getresponse()
        body = answer.read()
        return json.loads(body) if answer.status == 200 else None
    except OSError:
        return None
    finally:
        connection.close()


class Server:
    """`simkeep serve` on port 0."""

    started = 0

    def __init__(self, directory, database, key_file):
        Server.started += 1
        self.name = "server-%d" % Server.started
        self.port_file = os.path.join(directory, self.name + ".port")
        self.log_path = os.path.join(directory, self.name + ".log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [BINARY, "--database", database, "--secret-key-file", key_file, "serve",
                 "--port", "0", "--port-file", self.port_file],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.port = None
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("%s exited: %s" % (self.name, self.log()))
            try:
                with open(self.port_file) as file:
                    text = file.read()
                if text.endswith("\n"):
                    self.port = int(text)
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.kill()
        raise AssertionError("%s did not start: %s" % (self.name, self.log()))

    def leader(self):
        body = health(self.port)
        if body is None:
            raise AssertionError("%s: /healthz does not answer: %s" % (self.name, self.log()))
        return body["leader"]

    def log(self):
        with open(self.log_path, "rb") as log:
            return log.read()[-4000:].decode("utf-8", "replace")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def terminate(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("%s ignored SIGTERM" % self.name)
        return self.process.returncode


class LeaderTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="simkeep_leader_")
        self.key_file = os.path.join(self.directory, "simkeep.key")
        self.servers = []
        if PG_URI:
            name = "leader_%d_%d" % (os.getpid(), int(time.monotonic() * 1000))
            psql(PG_URI, "CREATE DATABASE %s TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
                 % name)
            self.database = PG_URI.rsplit("/", 1)[0] + "/" + name
        else:
            self.database = os.path.join(self.directory, "simkeep.db")
        migrated = subprocess.run(  # The schema and the key file, as an operator starts.
            [BINARY, "--database", self.database, "--secret-key-file", self.key_file, "migrate"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        self.assertEqual(migrated.returncode, 0, migrated.stderr)

    def tearDown(self):
        for server in self.servers:
            server.kill()
        shutil.rmtree(self.directory, ignore_errors=True)

    def start(self):
        server = Server(self.directory, self.database, self.key_file)
        self.servers.append(server)
        return server

    def wait_for(self, condition, what, seconds=TAKEOVER_SECONDS):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.05)
        self.fail("not within %d s: %s\n%s" % (seconds, what, "\n".join(
            "--- %s\n%s" % (server.name, server.log()) for server in self.servers)))

    def leaders(self, servers):
        return [server for server in servers if server.leader()]

    def assert_one_leader_steadily(self, servers):
        """Exactly one of `servers` leads, and none other does for STABLE_SECONDS; returns it."""
        self.wait_for(lambda: len(self.leaders(servers)) == 1, "one leader")
        deadline = time.monotonic() + STABLE_SECONDS
        leader = None
        while time.monotonic() < deadline:
            leading = self.leaders(servers)
            self.assertEqual(len(leading), 1, "leaders: %s" % [s.name for s in leading])
            if leader is not None:
                self.assertIs(leading[0], leader, "the leadership moved by itself")
            leader = leading[0]
            time.sleep(0.05)
        return leader

    def test_a_killed_leader_is_replaced_and_a_stopped_one_hands_over(self):
        first = self.start()
        self.wait_for(first.leader, "the only server leads")
        second = self.start()
        leader = self.assert_one_leader_steadily([first, second])
        follower = second if leader is first else first
        self.assertIn("leader: this instance leads (term 1", leader.log())

        leader.kill()  # SIGKILL: no goodbye; the kernel closes its socket and its file.
        self.wait_for(follower.leader, "the follower takes over after SIGKILL")
        third = self.start()
        self.assertIs(self.assert_one_leader_steadily([follower, third]), follower)

        self.assertEqual(follower.terminate(), 0)
        self.assertIn("gave up leadership", follower.log())
        self.wait_for(third.leader, "the follower takes over after SIGTERM")
        self.assertIn("leader: this instance leads (term 1", third.log())

    def test_a_follower_that_stops_leaves_the_leader_alone(self):
        first = self.start()
        self.wait_for(first.leader, "the only server leads")
        second = self.start()
        self.assertIs(self.assert_one_leader_steadily([first, second]), first)
        self.assertEqual(second.terminate(), 0)
        self.assertNotIn("leader: this instance", second.log())
        self.assertTrue(first.leader())


def main():
    global BINARY
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv[1])
    program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
