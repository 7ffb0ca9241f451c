#!/usr/bin/env python3
"""Crash test of `simkeep import usage`: kill -9 in the middle, run it again, nothing lost or
counted twice (DESIGN.md §3 invariants 1 and 3).

Usage: usage_import_crash_test.py PATH_TO_SIMKEEP

On a temporary SQLite database with four lines (each with a 30 GB data bucket), the test
generates a CSV of ROW_COUNT usage records (data, voice and SMS over three JST days, the lines
named by line_id, MSISDN, ICCID and IMSI in turn), starts `simkeep import usage` on it, and
sends SIGKILL once its progress shows KILL_AFTER_CHUNKS chunks committed. Then it checks that:
  * what the killed run stored is whole chunks, with the usage days agreeing with the records;
  * the same command run again completes with exit 0, reporting exactly the stored rows as
    duplicates and the rest as accepted;
  * every line's status (daily usage per day and kind, data left in its bucket) and the stored
    records equal the sums of the file: nothing lost, nothing counted twice;
  * `simkeep audit` finds no violation.
The whole run is bounded by DEADLINE_SECONDS, and the process it starts is killed on exit.
"""

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


ROW_COUNT = 200_000
CHUNK_ROWS = 10_000  # app::kUsageBatchMax.
KILL_AFTER_CHUNKS = 3
LINE_COUNT = 4
NOW = "2026-11-22T12:00:00+09:00"
BOUGHT = "2026-11-19T12:00:00+09:00"
PLAN = "sample-docomo-ahamo-30gb"
PLAN_DATA_BYTES = 30_000_000_000
DAYS = ["2026-11-20", "2026-11-21", "2026-11-22"]  # JST days of the records (before NOW).
DEADLINE_SECONDS = 80.0
COMMAND_TIMEOUT_SECONDS = 70.0

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


class Simkeep:
    def __init__(self, binary, database):
        self.binary = binary
        self.database = database

    def command(self, *arguments, now=NOW):
        return [self.binary, "--database", self.database, "--now", now] + list(arguments)

    def run(self, *arguments, now=NOW):
        completed = subprocess.run(self.command(*arguments, now=now), stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True,
                                   timeout=min(COMMAND_TIMEOUT_SECONDS, remaining_seconds()))
        return completed

    def ok(self, *arguments, now=NOW):
        completed = self.run(*arguments, now=now)
        check(completed.returncode == 0, "simkeep %s exited with %d:\n%s%s"
              % (" ".join(arguments), completed.returncode, completed.stdout, completed.stderr))
        return completed.stdout

    def sql(self, query):
        completed = subprocess.run(["sqlite3", self.database, query], capture_output=True,
                                   text=True, timeout=30)
        check(completed.returncode == 0, "sqlite3 failed: %s" % completed.stderr)
        return completed.stdout.strip()


def make_lines(simkeep, directory):
    """LINE_COUNT docomo voice lines with PLAN bought at BOUGHT: [(line_id, reference column,
    reference value)], each named a different way."""
    rows = ["iccid,msisdn,imsi,carrier,service"]
    identities = []
    for serial in range(LINE_COUNT):
        payload = "898110%013d" % (900 + serial)
        iccid = payload + luhn_check_digit(payload)
        msisdn = "+8190%08d" % (30_000_000 + serial)
        imsi = "44010%010d" % (900 + serial)
        rows.append("%s,%s,%s,docomo,voice" % (iccid, msisdn, imsi))
        identities.append((iccid, msisdn, imsi))
    path = os.path.join(directory, "lines.csv")
    with open(path, "w") as file:
        file.write("\n".join(rows) + "\n")
    simkeep.ok("import", "lines", path)
    lines = []
    ways = ["line_id", "msisdn", "iccid", "imsi"]
    for index, (iccid, msisdn, imsi) in enumerate(identities):
        line_id = json.loads(simkeep.ok("line", "--iccid", iccid))["line_id"]
        simkeep.ok("renew", line_id, "--plan", PLAN, now=BOUGHT)
        way = ways[index % len(ways)]
        value = {"line_id": line_id, "msisdn": msisdn, "iccid": iccid, "imsi": imsi}[way]
        lines.append((line_id, way, value))
    return lines


def make_usage_file(path, lines):
    """Writes ROW_COUNT records; returns {(line_id, day, kind): units}."""
    generator = random.Random(20261122)
    columns = ["line_id", "msisdn", "iccid", "imsi"]
    expected = {}
    with open(path, "w") as file:
        file.write("record_id,%s,kind,quantity,start,end,rating_group\n" % ",".join(columns))
        for row in range(ROW_COUNT):
            line_id, way, value = lines[row % len(lines)]
            roll = generator.random()
            if roll < 0.8:
                kind, quantity = "data", generator.randint(0, 20_000)
            elif roll < 0.9:
                kind, quantity = "voice", generator.randint(1, 600)
            else:
                kind, quantity = "sms", generator.randint(1, 3)
            day = DAYS[generator.randrange(len(DAYS))]
            minute = generator.randrange(60 * 11)  # 00:00 to 11:00 JST, before NOW.
            start = "%sT%02d:%02d:00+09:00" % (day, minute // 60, minute % 60)
            end = "%sT%02d:%02d:30+09:00" % (day, minute // 60, minute % 60)
            references = ["" if column != way else value for column in columns]
            group = str(generator.randrange(100)) if kind == "data" else ""
            file.write("k-%07d,%s,%s,%d,%s,%s,%s\n"
                       % (row, ",".join(references), kind, quantity, start, end, group))
            key = (line_id, day, kind)
            expected[key] = expected.get(key, 0) + quantity
    return expected


def start_and_kill(simkeep, path, directory):
    """Starts the import and kills it with SIGKILL once KILL_AFTER_CHUNKS chunks are committed.
    Returns the progress lines seen."""
    stdout = open(os.path.join(directory, "killed.stdout"), "w")
    process = subprocess.Popen(simkeep.command("import", "usage", path), stdin=subprocess.DEVNULL,
                               stdout=stdout, stderr=subprocess.PIPE, text=True)
    stdout.close()
    seen = []
    timer = threading.Timer(remaining_seconds(), process.kill)  # A hung import ends too.
    timer.start()
    try:
        for line in process.stderr:
            seen.append(line.rstrip("\n"))
            if " chunks committed" in line:
                chunks = int(line.split(" chunks committed")[0].rsplit(" ", 1)[1])
                if chunks >= KILL_AFTER_CHUNKS:
                    process.send_signal(signal.SIGKILL)
                    break
        process.wait(timeout=10)
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    check(process.returncode == -signal.SIGKILL,
          "the import was not killed mid-way (exit %s); stderr:\n%s"
          % (process.returncode, "\n".join(seen[-5:])))
    return seen


def check_after_kill(simkeep):
    """What the killed import left: whole chunks, days agreeing with records. Returns the count."""
    stored = int(simkeep.sql("SELECT count(*) FROM usage_records"))
    check(stored >= KILL_AFTER_CHUNKS * CHUNK_ROWS and stored < ROW_COUNT,
          "%d records stored by the killed import; expected at least %d and fewer than %d"
          % (stored, KILL_AFTER_CHUNKS * CHUNK_ROWS, ROW_COUNT))
    check(stored % CHUNK_ROWS == 0, "%d records stored: not whole chunks of %d"
          % (stored, CHUNK_ROWS))
    records = simkeep.sql("SELECT line_id, kind, sum(quantity), count(*) FROM usage_records "
                          "GROUP BY line_id, kind ORDER BY line_id, kind")
    days = simkeep.sql("SELECT line_id, kind, sum(units), sum(records) FROM usage_daily "
                       "GROUP BY line_id, kind ORDER BY line_id, kind")
    check(records == days, "usage days disagree with the records after the kill:\n%s\n---\n%s"
          % (records, days))
    return stored


def check_totals(simkeep, lines, expected):
    for line_id, _, _ in lines:
        status = json.loads(simkeep.ok("line", line_id))
        shown = {}
        for day in status["daily_usage"]:
            for kind, field in (("data", "data_bytes"), ("voice", "voice_seconds"),
                                ("sms", "sms")):
                if day[field]:
                    shown[(line_id, day["date"], kind)] = day[field]
        wanted = {key: units for key, units in expected.items() if key[0] == line_id and units}
        check(shown == wanted, "line %s: daily usage %r, the file sums to %r"
              % (line_id, sorted(shown.items()), sorted(wanted.items())))
        data = sum(units for (line, _, kind), units in expected.items()
                   if line == line_id and kind == "data")
        left = sum(bucket["remaining"] for bucket in status["buckets"] if bucket["kind"] == "data")
        check(left == PLAN_DATA_BYTES - data, "line %s: %d bytes left, expected %d - %d"
              % (line_id, left, PLAN_DATA_BYTES, data))
    stored = simkeep.sql("SELECT line_id, kind, sum(quantity) FROM usage_records "
                         "GROUP BY line_id, kind ORDER BY line_id, kind").splitlines()
    sums = {}
    for (line_id, _, kind), units in expected.items():
        sums[(line_id, kind)] = sums.get((line_id, kind), 0) + units
    wanted = ["%s|%s|%d" % (line, kind, units) for (line, kind), units in sorted(sums.items())]
    check(stored == wanted, "stored records %r, the file sums to %r" % (stored, wanted))


def main():
    check(len(sys.argv) == 2, "usage: usage_import_crash_test.py PATH_TO_SIMKEEP")
    binary = os.path.abspath(sys.argv[1])
    check(os.access(binary, os.X_OK), "%s is not an executable" % binary)
    with tempfile.TemporaryDirectory(prefix="simkeep-usage-crash-") as directory:
        simkeep = Simkeep(binary, os.path.join(directory, "db"))
        simkeep.ok("migrate")
        lines = make_lines(simkeep, directory)
        path = os.path.join(directory, "usage.csv")
        expected = make_usage_file(path, lines)

        progress = start_and_kill(simkeep, path, directory)
        stored = check_after_kill(simkeep)
        again = simkeep.run("import", "usage", path)
        check(again.returncode == 0, "the second run exited with %d:\n%s%s"
              % (again.returncode, again.stdout, again.stderr[-2000:]))
        summary = ("import: %d rows, %d accepted, %d duplicates, 0 rejected"
                   % (ROW_COUNT, ROW_COUNT - stored, stored))
        check(summary in again.stdout, "the second run reported %r, expected %r"
              % (again.stdout.strip()[-300:], summary))
        check(simkeep.sql("SELECT count(*) FROM usage_records") == str(ROW_COUNT),
              "not every record is stored once")
        check_totals(simkeep, lines, expected)
        audit = simkeep.ok("audit")
        print("usage import crash test: killed after %s; %d of %d records had been stored "
              "(whole chunks); the second run stored %d more and found those %d duplicates; "
              "totals equal the file's; %.1f s; %s"
              % (progress[-1].split("] ")[-1], stored, ROW_COUNT, ROW_COUNT - stored, stored,
                 time.monotonic() - STARTED_AT, audit.strip().splitlines()[-1]))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (TestFailure, subprocess.TimeoutExpired, OSError) as failure:
        print("usage import crash test FAILED: %s" % failure, file=sys.stderr)
        sys.exit(1)
