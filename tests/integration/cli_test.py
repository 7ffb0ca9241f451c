#!/usr/bin/env python3
"""Tests of the `simkeep` command line: import lines, import usage, audit, apikey create, topup
and renew.

Usage: cli_test.py PATH_TO_SIMKEEP [unittest arguments]

Each test of CliTest runs the real binary on its own temporary SQLite database and inspects its
exit code, its output and (through the sqlite3 shell) what it stored. PostgresCliTest runs on a
fresh database of the PostgreSQL server SIMKEEP_TEST_PG_URI names (scripts/with_postgres.sh
starts one; ctest runs it as cli_test_postgres) and is skipped without one.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402


BINARY = None  # Set from the command line.
PG_URI = os.environ.get("SIMKEEP_TEST_PG_URI", "")
TESTDATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")
MIXED_CSV = os.path.join(TESTDATA, "import_lines_mixed.csv")
COMMAND_TIMEOUT_SECONDS = 120
LARGE_IMPORT_ROWS = 50_000
# `import usage` runs at USAGE_NOW; its lines bought USAGE_PLAN (30 GB of data) at USAGE_BOUGHT.
USAGE_NOW = "2026-11-22T12:00:00+09:00"
USAGE_DAY = "2026-11-22"
USAGE_BOUGHT = "2026-11-20T12:00:00+09:00"
USAGE_PLAN = "sample-docomo-ahamo-30gb"

# The fixture's good rows: (line number, normalised ICCID, E.164 MSISDN or None, carrier).
MIXED_GOOD = [
    (2, "89811000000000000012", "+819011112222", "docomo"),
    (3, "89813000000000000026", None, "au"),
    (4, "89812000000000000037", None, "softbank"),  # Luhn fails: accepted from upstream.
    (6, "89814000000000000040", "+818033334444", "rakuten"),
    (12, "89811000000000000095", "+817055556666", "docomo"),  # Quoted, grouped by spaces.
    (14, "89813000000000000109", None, "au"),  # After a blank line.
]
# The fixture's bad rows: line number -> reason.
MIXED_BAD = {
    5: "iccid_invalid",  # A letter among the digits.
    7: "carrier_unknown",
    8: "msisdn_invalid",  # A landline number.
    9: "iccid_taken",  # The ICCID of line 2 again.
    10: "csv_row_malformed",  # Three fields for a four-column header.
    11: "iccid_invalid",  # Too short.
}




def iccid(prefix, serial):
    payload = "%s%013d" % (prefix, serial)
    return payload + luhn_check_digit(payload)


def problems_in(stdout):
    """{line number: reason} from the 'line N: reason: message' lines of an import."""
    found = {}
    for match in re.finditer(r"^line (\d+): ([a-z_]+): .+$", stdout, re.MULTILINE):
        found[int(match.group(1))] = match.group(2)
    return found


class CliTest(unittest.TestCase):
    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="simkeep-cli-")
        self.database = os.path.join(self.directory, "simkeep.db")
        self.key = self.database + ".key"
        # As the first step of every deployment: the schema, and the new database's key file.
        self.assert_ok(self.simkeep("migrate"))

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def simkeep(self, *arguments, database=None):
        return subprocess.run(
            [BINARY, "--database", database or self.database] + list(arguments),
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT_SECONDS)

    def sql(self, query, database=None):
        completed = subprocess.run(["sqlite3", database or self.database, query],
                                   capture_output=True,
                                   text=True, timeout=COMMAND_TIMEOUT_SECONDS)
        self.assertEqual(completed.returncode, 0, completed.stderr)
        return completed.stdout.strip()

    def assert_ok(self, completed):
        self.assertEqual(completed.returncode, 0,
                         "exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (completed.returncode, completed.stdout, completed.stderr))

    def assert_fails(self, completed, reason):
        self.assertNotEqual(completed.returncode, 0, completed.stdout)
        self.assertIn("simkeep: %s: " % reason, completed.stderr)

    def write_csv(self, name, rows):
        path = os.path.join(self.directory, name)
        with open(path, "w") as file:
            file.write("\n".join(rows) + "\n")
        return path

    def line_status(self, line_iccid):
        shown = self.simkeep("line", "--iccid", line_iccid)
        self.assert_ok(shown)
        return json.loads(shown.stdout)

    def provision_one(self, carrier, prefix, serial):
        line_iccid = iccid(prefix, serial)
        path = self.write_csv("one-%d.csv" % serial, ["iccid,carrier", line_iccid + "," + carrier])
        self.assert_ok(self.simkeep("import", "lines", path))
        return self.line_status(line_iccid)["line_id"]

    # import lines ------------------------------------------------------------------------------

    def test_import_refuses_the_whole_file_when_a_row_is_bad(self):
        imported = self.simkeep("import", "lines", MIXED_CSV)
        self.assertEqual(imported.returncode, 1, imported.stdout + imported.stderr)
        self.assertIn("nothing was imported", imported.stdout)
        found = problems_in(imported.stdout)
        # Every row that fails parsing or validation is reported with its line number and
        # reason (the duplicate on line 9 is the subject of the next test).
        for row, reason in MIXED_BAD.items():
            if reason != "iccid_taken":
                self.assertEqual(found.get(row), reason, imported.stdout)
        for row, *_ in MIXED_GOOD:
            self.assertNotIn(row, found, imported.stdout)
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM ledger_accounts "
                                  "WHERE kind = 'customer_wallet'"), "0")
        for _, line_iccid, _, _ in MIXED_GOOD:
            self.assert_fails(self.simkeep("line", "--iccid", line_iccid), "line_not_found")

    def test_import_reports_a_duplicate_iccid_with_the_other_bad_rows(self):
        # A duplicate within the file is a bad row like the others: a default-mode import must
        # list it too, so that one run shows everything to fix.
        imported = self.simkeep("import", "lines", MIXED_CSV)
        self.assertEqual(imported.returncode, 1, imported.stdout + imported.stderr)
        self.assertEqual(problems_in(imported.stdout).get(9), "iccid_taken", imported.stdout)

    def test_import_skip_invalid_imports_the_rows_that_parse(self):
        # The fixture with its duplicate row (line 9) blanked out, so that every bad row is
        # caught by parsing and validation; line numbers stay the same.
        with open(MIXED_CSV) as file:
            rows = file.read().split("\n")
        rows[8] = ""
        path = self.write_csv("no-duplicate.csv", rows)
        imported = self.simkeep("import", "lines", "--skip-invalid", path)
        self.assert_ok(imported)
        bad = {row: reason for row, reason in MIXED_BAD.items() if row != 9}
        self.assertEqual(problems_in(imported.stdout), bad)
        self.assertIn("import: %d lines imported, %d rows skipped" % (len(MIXED_GOOD), len(bad)),
                      imported.stdout)
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), str(len(MIXED_GOOD)))
        for _, line_iccid, msisdn, carrier in MIXED_GOOD:
            status = self.line_status(line_iccid)
            self.assertEqual((status["iccid"], status["msisdn"], status["carrier"]),
                             (line_iccid, msisdn, carrier))
            self.assertEqual(status["state"], "inactive")
            self.assertEqual(status["balance_jpy"], 0)

    def test_import_refuses_a_file_whose_only_bad_row_is_a_duplicate(self):
        first, second = iccid("898110", 501), iccid("898110", 502)
        path = self.write_csv("duplicate.csv", ["iccid,carrier", first + ",docomo",
                                                second + ",docomo", first + ",docomo"])
        imported = self.simkeep("import", "lines", path)
        self.assertEqual(imported.returncode, 1, imported.stdout + imported.stderr)
        self.assertEqual(problems_in(imported.stdout), {4: "iccid_taken"})
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), "0")

    def test_import_skip_invalid_imports_the_good_rows_and_reports_the_bad(self):
        imported = self.simkeep("import", "lines", "--skip-invalid", MIXED_CSV)
        self.assert_ok(imported)
        self.assertEqual(problems_in(imported.stdout), MIXED_BAD)
        self.assertIn("import: %d lines imported, %d rows skipped"
                      % (len(MIXED_GOOD), len(MIXED_BAD)), imported.stdout)
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), str(len(MIXED_GOOD)))
        for _, line_iccid, msisdn, carrier in MIXED_GOOD:
            status = self.line_status(line_iccid)
            self.assertEqual(status["iccid"], line_iccid)
            self.assertEqual(status["msisdn"], msisdn)
            self.assertEqual(status["carrier"], carrier)
            self.assertEqual(status["state"], "inactive")
            self.assertEqual(status["balance_jpy"], 0)
        # The duplicate on line 9 did not replace line 2's number.
        self.assertEqual(self.sql("SELECT msisdn FROM lines WHERE iccid = '89811000000000000012'"),
                         "+819011112222")
        self.assert_fails(self.simkeep("line", "--msisdn", "+819077778888"), "line_not_found")

    def test_import_skip_invalid_reports_iccids_already_in_the_database(self):
        self.assert_ok(self.simkeep("import", "lines", "--skip-invalid", MIXED_CSV))
        again = self.simkeep("import", "lines", "--skip-invalid", MIXED_CSV)
        self.assert_ok(again)
        found = problems_in(again.stdout)
        for row, *_ in MIXED_GOOD:
            self.assertEqual(found.get(row), "iccid_taken", again.stdout)
        self.assertIn("import: 0 lines imported", again.stdout)
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), str(len(MIXED_GOOD)))

    def test_import_of_a_missing_file_or_unknown_column_fails_clearly(self):
        self.assert_fails(self.simkeep("import", "lines", os.path.join(self.directory, "nope.csv")),
                          "file_unreadable")
        path = self.write_csv("columns.csv", ["iccid,colour", iccid("898110", 1) + ",red"])
        self.assert_fails(self.simkeep("import", "lines", path), "csv_column_unknown")

    def test_import_of_a_large_file_reports_progress_and_stores_every_row(self):
        carriers = ["docomo", "au", "softbank", "rakuten"]
        rows = ["iccid,msisdn,carrier,service"]
        iccids = []
        for serial in range(LARGE_IMPORT_ROWS):
            line_iccid = iccid("898120", 1_000_000 + serial)
            iccids.append(line_iccid)
            if serial % 2 == 0:
                msisdn = "080%08d" % (10_000_000 + serial)  # 080-1..., a voice mobile number.
                rows.append("%s,%s,%s,voice" % (line_iccid, msisdn, carriers[serial % 4]))
            else:
                rows.append("%s,,%s,data" % (line_iccid, carriers[serial % 4]))
        path = self.write_csv("large.csv", rows)
        started = time.monotonic()
        imported = self.simkeep("import", "lines", path)
        seconds = time.monotonic() - started
        self.assert_ok(imported)
        self.assertIn("import: %d lines imported, 0 rows skipped" % LARGE_IMPORT_ROWS,
                      imported.stdout)
        # stderr is not a terminal here, so each progress report is a line of its own.
        progress = re.findall(r"(\d+)% (\d+)/(\d+) lines", imported.stderr)
        self.assertGreaterEqual(len(progress), 2, imported.stderr)
        self.assertEqual(progress[-1], ("100", str(LARGE_IMPORT_ROWS), str(LARGE_IMPORT_ROWS)))
        done = [int(row[1]) for row in progress]
        self.assertEqual(done, sorted(done), imported.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM lines"), str(LARGE_IMPORT_ROWS))
        self.assertEqual(self.sql("SELECT count(DISTINCT iccid) FROM lines"),
                         str(LARGE_IMPORT_ROWS))
        self.assertEqual(self.sql("SELECT count(*) FROM lines WHERE msisdn IS NOT NULL"),
                         str(LARGE_IMPORT_ROWS // 2))
        self.assertEqual(self.sql("SELECT count(*) FROM ledger_accounts "
                                  "WHERE kind = 'customer_wallet'"), str(LARGE_IMPORT_ROWS))
        last = self.line_status(iccids[-1])
        self.assertEqual(last["carrier"], carriers[(LARGE_IMPORT_ROWS - 1) % 4])
        print("\nimported %d lines in %.1f s" % (LARGE_IMPORT_ROWS, seconds), file=sys.stderr)
        self.assert_ok(self.simkeep("audit"))

    # import usage ------------------------------------------------------------------------------

    def usage_lines(self):
        """Two docomo voice lines, each with a 30 GB bucket bought two days before USAGE_NOW.
        Returns [(line_id, iccid, msisdn, imsi)]."""
        rows = ["iccid,msisdn,imsi,carrier,service"]
        lines = []
        for serial in (61, 62):
            line_iccid = iccid("898110", serial)
            msisdn = "+8180%08d" % (20_000_000 + serial)
            imsi = "44010%010d" % serial
            rows.append("%s,%s,%s,docomo,voice" % (line_iccid, msisdn, imsi))
            lines.append((line_iccid, msisdn, imsi))
        self.assert_ok(self.simkeep("import", "lines", self.write_csv("usage-lines.csv", rows)))
        found = []
        for line_iccid, msisdn, imsi in lines:
            line_id = self.line_status(line_iccid)["line_id"]
            self.assert_ok(self.simkeep("--now", USAGE_BOUGHT, "renew", line_id,
                                        "--plan", USAGE_PLAN))
            found.append((line_id, line_iccid, msisdn, imsi))
        return found

    def import_usage(self, path):
        return self.simkeep("--now", USAGE_NOW, "import", "usage", path)

    def usage_view(self, line_id):
        """(data bytes left, {kind: units} of USAGE_DAY) from the line's status."""
        shown = self.simkeep("--now", USAGE_NOW, "line", line_id)
        self.assert_ok(shown)
        status = json.loads(shown.stdout)
        left = sum(b["remaining"] for b in status["buckets"] if b["kind"] == "data")
        days = [d for d in status["daily_usage"] if d["date"] == USAGE_DAY]
        self.assertLessEqual(len(days), 1, status["daily_usage"])
        day = days[0] if days else {"data_bytes": 0, "voice_seconds": 0, "sms": 0}
        return left, {"data": day["data_bytes"], "voice": day["voice_seconds"], "sms": day["sms"]}

    def test_import_usage_applies_each_record_once_and_reports_every_bad_row(self):
        (a, a_iccid, _, _), (b, _, b_msisdn, b_imsi) = self.usage_lines()
        at = "2026-11-22T09:00:00+09:00,2026-11-22T09:30:00+09:00"
        rows = [
            "record_id,line_id,msisdn,iccid,imsi,kind,quantity,start,end,rating_group",
            "r-1,%s,,,,data,1000,%s," % (a, at),            # 2
            "r-2,,%s,,,data,2000,%s,7" % (b_msisdn, at),     # 3: by MSISDN
            "r-3,,,%s,,voice,60,%s," % (a_iccid, at),        # 4: by ICCID
            "r-4,,,,%s,sms,1,%s," % (b_imsi, at),            # 5: by IMSI
            "r-1,%s,,,,data,1000,%s," % (a, at),            # 6: r-1 again
            "r-5,%s,,,,data,12.5,%s," % (a, at),            # 7: not an integer
            "r-6,ln_nobody,,,,data,10,%s," % at,             # 8: no such line
            "r-7,%s,data,10" % a,                            # 9: too few fields
            "r-8,%s,,,,data,10,yesterday,today," % a,       # 10: not RFC 3339
            "",                                               # 11: blank
            '"r-9",%s,,,,data,3000,%s,' % (b, at),          # 12: quoted
        ]
        path = self.write_csv("usage-mixed.csv", rows)
        first = self.import_usage(path)
        self.assertEqual(first.returncode, 1, first.stdout + first.stderr)
        self.assertEqual(problems_in(first.stdout), {7: "usage_quantity_invalid",
                                                     8: "line_not_found",
                                                     9: "csv_row_malformed",
                                                     10: "time_invalid"}, first.stdout)
        self.assertIn("import: 10 rows, 5 accepted, 1 duplicates, 4 rejected\n", first.stdout)
        self.assertRegex(first.stderr, r"10 rows in 1 chunks committed: 5 accepted")
        self.assertEqual(self.sql("SELECT count(*) FROM usage_records"), "5")
        self.assertEqual(self.usage_view(a), (30_000_000_000 - 1000,
                                              {"data": 1000, "voice": 60, "sms": 0}))
        self.assertEqual(self.usage_view(b), (30_000_000_000 - 5000,
                                              {"data": 5000, "voice": 0, "sms": 1}))
        self.assertEqual(self.sql("SELECT rating_group FROM usage_records "
                                  "WHERE record_id = 'r-2'"), "7")
        # The same file again: the good rows are duplicates now, the bad ones still bad.
        again = self.import_usage(path)
        self.assertEqual(again.returncode, 1, again.stdout + again.stderr)
        self.assertEqual(set(problems_in(again.stdout)), {7, 8, 9, 10})
        self.assertIn("import: 10 rows, 0 accepted, 6 duplicates, 4 rejected\n", again.stdout)
        self.assertEqual(self.sql("SELECT count(*) FROM usage_records"), "5")
        self.assertEqual(self.usage_view(a)[1], {"data": 1000, "voice": 60, "sms": 0})
        self.assertEqual(self.usage_view(b)[0], 30_000_000_000 - 5000)
        self.assert_ok(self.simkeep("audit"))

    def test_import_usage_of_good_rows_succeeds_and_again_finds_only_duplicates(self):
        (a, _, _, _), (b, _, _, _) = self.usage_lines()
        rows = ["record_id,line_id,kind,quantity,start,end"]
        for serial in range(25_000):  # Three chunks, the last one short.
            rows.append("g-%d,%s,data,%d,2026-11-22T08:00:00+09:00,2026-11-22T08:00:10+09:00"
                        % (serial, (a, b)[serial % 2], serial % 100))
        path = self.write_csv("usage-good.csv", rows)
        total_a = sum(serial % 100 for serial in range(0, 25_000, 2))
        total_b = sum(serial % 100 for serial in range(1, 25_000, 2))
        first = self.import_usage(path)
        self.assert_ok(first)
        self.assertIn("import: 25000 rows, 25000 accepted, 0 duplicates, 0 rejected\n",
                      first.stdout)
        progress = re.findall(r"(\d+)% (\d+) rows in (\d+) chunks committed", first.stderr)
        self.assertEqual([(done, chunks) for _, done, chunks in progress],
                         [("10000", "1"), ("20000", "2"), ("25000", "3")], first.stderr)
        self.assertEqual(progress[-1][0], "100")
        again = self.import_usage(path)
        self.assert_ok(again)
        self.assertIn("import: 25000 rows, 0 accepted, 25000 duplicates, 0 rejected\n",
                      again.stdout)
        self.assertEqual(self.usage_view(a), (30_000_000_000 - total_a,
                                              {"data": total_a, "voice": 0, "sms": 0}))
        self.assertEqual(self.usage_view(b)[1]["data"], total_b)
        self.assertEqual(self.sql("SELECT count(*) FROM usage_records"), "25000")

    def test_import_usage_refuses_a_header_it_cannot_use(self):
        cases = [("record_id,line_id,kind,quantity,start,end,colour", "csv_column_unknown"),
                 ("record_id,line_id,kind,quantity,start", "csv_column_missing"),
                 ("record_id,kind,quantity,start,end", "csv_column_missing"),
                 ("record_id,line_id,kind,kind,quantity,start,end", "csv_column_duplicate"),
                 ("", "csv_header_missing")]
        for header, reason in cases:
            path = self.write_csv("header.csv", [header])
            refused = self.import_usage(path)
            self.assertEqual(refused.returncode, 3, refused.stdout + refused.stderr)
            self.assertIn("simkeep: %s: " % reason, refused.stderr)
            self.assertIn("nothing was imported", refused.stdout)
        missing = self.import_usage(os.path.join(self.directory, "nope.csv"))
        self.assertEqual(missing.returncode, 3)
        self.assertIn("simkeep: file_unreadable: ", missing.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM usage_records"), "0")

    # audit -------------------------------------------------------------------------------------

    def test_audit_passes_on_a_healthy_database_and_flags_a_tampered_balance(self):
        empty = self.simkeep("audit")
        self.assert_ok(empty)
        self.assertIn("ledger OK", empty.stdout)
        line_id = self.provision_one("docomo", "898110", 7)
        for amount in (500, 1200, 3):
            self.assert_ok(self.simkeep("topup", line_id, "--amount", str(amount)))
        healthy = self.simkeep("audit")
        self.assert_ok(healthy)
        self.assertNotIn("VIOLATION", healthy.stdout)
        self.assertRegex(healthy.stdout, r"audit: \d+ accounts, 3 transfers, 3 orders, "
                                         r"0 open holds, 0 violations - ledger OK")

        wallet = self.sql("SELECT wallet_account_id FROM lines WHERE line_id = '%s'" % line_id)
        self.assertEqual(self.sql("SELECT credits_posted FROM ledger_accounts "
                                  "WHERE account_id = '%s'" % wallet), "1703")
        self.sql("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 "
                 "WHERE account_id = '%s'" % wallet)
        tampered = self.simkeep("audit")
        self.assertNotEqual(tampered.returncode, 0, tampered.stdout)
        violations = [line for line in tampered.stdout.splitlines()
                      if line.startswith("VIOLATION ")]
        self.assertTrue(any(wallet in line and "credits_posted" in line and "1704" in line
                            and "1703" in line for line in violations), tampered.stdout)
        self.assertNotIn("ledger OK", tampered.stdout)
        # The status shows the stored (tampered) balance; only the audit can tell.
        self.assertEqual(self.line_status(iccid("898110", 7))["balance_jpy"], 1704)

    def test_audit_flags_a_balance_edited_on_both_sides(self):
        # Moving one yen between two accounts keeps the stored totals balanced; the recomputation
        # from transfers must still catch both accounts.
        line_id = self.provision_one("au", "898130", 8)
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "1000"))
        wallet = self.sql("SELECT wallet_account_id FROM lines WHERE line_id = '%s'" % line_id)
        clearing = self.sql("SELECT account_id FROM ledger_accounts WHERE kind = "
                            "'provider_clearing' AND debits_posted > 0 LIMIT 1")
        self.assertNotEqual(clearing, "")
        self.sql("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 "
                 "WHERE account_id = '%s'; UPDATE ledger_accounts SET debits_posted = "
                 "debits_posted + 1 WHERE account_id = '%s'" % (wallet, clearing))
        tampered = self.simkeep("audit")
        self.assertNotEqual(tampered.returncode, 0, tampered.stdout)
        violations = [line for line in tampered.stdout.splitlines()
                      if line.startswith("VIOLATION ")]
        self.assertTrue(any(wallet in line for line in violations), tampered.stdout)
        self.assertTrue(any(clearing in line for line in violations), tampered.stdout)

    def test_audit_flags_an_order_whose_money_does_not_add_up(self):
        # Balances and transfers agree, but an order claims another amount than its transfers
        # moved (or a failed order kept money): only the order check can tell.
        line_id = self.provision_one("au", "898130", 9)
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "700"))
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "300"))
        self.assert_ok(self.simkeep("audit"))
        first, second = self.sql("SELECT order_id FROM orders ORDER BY order_id").split()
        self.sql("UPDATE orders SET amount_jpy = 701 WHERE order_id = '%s'" % first)
        self.sql("UPDATE orders SET status = 'failed' WHERE order_id = '%s'" % second)
        tampered = self.simkeep("audit")
        self.assertEqual(tampered.returncode, 1, tampered.stdout)
        violations = [line for line in tampered.stdout.splitlines()
                      if line.startswith("VIOLATION order_money_mismatch")]
        self.assertEqual(len(violations), 2, tampered.stdout)
        self.assertTrue(any(first in line and "701" in line for line in violations))
        self.assertTrue(any(second in line and "failed" in line for line in violations))

    # audit only reads --------------------------------------------------------------------------

    def simkeep_as_reader(self, *arguments):
        """The binary as a user who may only read the database. Root reads and writes whatever
        the modes say, so as root it runs as nobody."""
        prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
        return subprocess.run(prefix + [BINARY, "--database", self.database] + list(arguments),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_SECONDS)

    def test_audit_of_a_new_database_fails_clearly_and_creates_nothing(self):
        new = os.path.join(self.directory, "new.db")
        missing = self.simkeep("audit", database=new)
        self.assert_fails(missing, "db_unavailable")
        self.assertIn("no such database file", missing.stderr)
        self.assertEqual([name for name in os.listdir(self.directory)
                          if name.startswith("new.db")], [])
        open(new, "w").close()  # An empty file is an empty SQLite database.
        for command in (["audit"], ["plan"], ["line", "ln_none"]):
            refused = self.simkeep(*command, database=new)
            self.assert_fails(refused, "schema_out_of_date")
            self.assertIn("run simkeep migrate first", refused.stderr)
        self.assertEqual(os.path.getsize(new), 0)
        self.assertEqual(self.sql("SELECT count(*) FROM sqlite_master", database=new), "0")

    def test_audit_refuses_a_schema_it_would_have_to_migrate(self):
        self.sql("DELETE FROM schema_migrations")
        refused = self.simkeep("audit")
        self.assert_fails(refused, "schema_out_of_date")
        self.assertEqual(self.sql("SELECT count(*) FROM schema_migrations"), "0")

    def test_audit_and_line_work_on_a_database_the_user_may_only_read(self):
        line_id = self.provision_one("docomo", "898110", 21)
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "500"))
        # The last connection to close folds the write-ahead log back into the file.
        self.assertFalse(os.path.exists(self.database + "-wal"), os.listdir(self.directory))
        files = sorted(os.listdir(self.directory))
        with open(self.database, "rb") as file:
            contents = file.read()
        os.chmod(self.database, 0o444)
        os.chmod(self.directory, 0o555)
        try:
            audited = self.simkeep_as_reader("audit")
            self.assert_ok(audited)
            self.assertIn("1 transfers, 1 orders, 0 open holds, 0 violations - ledger OK",
                          audited.stdout)
            shown = self.simkeep_as_reader("line", line_id)
            self.assert_ok(shown)
            self.assertEqual(json.loads(shown.stdout)["balance_jpy"], 500)
            self.assert_ok(self.simkeep_as_reader("plan"))
            # A command that writes is refused by the file system, not by simkeep.
            self.assertNotEqual(self.simkeep_as_reader("topup", line_id, "--amount", "1")
                                .returncode, 0)
        finally:
            os.chmod(self.directory, 0o700)
            os.chmod(self.database, 0o644)
        self.assertEqual(sorted(os.listdir(self.directory)), files)
        with open(self.database, "rb") as file:
            self.assertEqual(file.read(), contents)

    # the key file ------------------------------------------------------------------------------

    def read_key(self, path=None):
        with open(path or self.key) as file:
            return file.read()

    def test_migrate_creates_the_key_of_a_new_database_once(self):
        key = self.read_key()
        self.assertRegex(key, r"^[0-9a-f]{64}\n$")
        self.assertEqual(os.stat(self.key).st_mode & 0o777, 0o600)
        new = os.path.join(self.directory, "new.db")
        created = self.simkeep("migrate", database=new)
        self.assert_ok(created)
        self.assertIn("created the key file %s.key" % new, created.stdout)
        self.assertNotEqual(self.read_key(new + ".key"), key)
        again = self.simkeep("migrate")
        self.assert_ok(again)
        self.assertNotIn("key file", again.stdout)
        self.assertEqual(self.read_key(), key)

    def test_commands_other_than_migrate_never_create_a_key(self):
        new = os.path.join(self.directory, "new.db")
        csv = self.write_csv("one.csv", ["iccid,carrier", iccid("898110", 41) + ",docomo"])
        for command in (["apikey", "create", "--role", "admin"], ["import", "lines", csv],
                        ["topup", "ln_none", "--amount", "100"]):
            refused = self.simkeep(*command, database=new)
            self.assert_fails(refused, "secret_key_file_missing")
            self.assertIn(new + ".key", refused.stderr)
        # serve too, before it touches the database (it would run until stopped otherwise).
        served = subprocess.run([BINARY, "--database", new, "serve", "--port", "0"],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=30)
        self.assert_fails(served, "secret_key_file_missing")
        self.assertEqual([name for name in os.listdir(self.directory)
                          if name.startswith("new.db")], [])

    def test_a_mistyped_key_file_is_refused_even_by_migrate(self):
        typo = os.path.join(self.directory, "simkeep.db.kye")
        for command in (["apikey", "create", "--role", "admin"], ["migrate"]):
            refused = self.simkeep("--secret-key-file", typo, *command)
            self.assert_fails(refused, "secret_key_file_missing")
            self.assertIn(typo, refused.stderr)
        self.assertFalse(os.path.exists(typo))
        # The database was made already: losing its key does not make a new one either.
        os.remove(self.key)
        self.assert_fails(self.simkeep("migrate"), "secret_key_file_missing")
        self.assertFalse(os.path.exists(self.key))

    def test_a_key_file_others_may_read_or_change_is_refused(self):
        for mode, reason in ((0o644, "secret_key_file_insecure"),
                             (0o604, "secret_key_file_insecure"),
                             (0o620, "secret_key_file_insecure"),
                             (0o640, None),  # Read through the service's group.
                             (0o400, None)):
            os.chmod(self.key, mode)
            created = self.simkeep("apikey", "create", "--role", "admin")
            if reason:
                self.assert_fails(created, reason)
                self.assertIn("chmod 600 " + self.key, created.stderr)
                self.assert_fails(self.simkeep("migrate"), reason)
            else:
                self.assert_ok(created)
        self.assertEqual(self.sql("SELECT count(*) FROM api_keys"), "2")

    def test_a_malformed_key_file_is_refused(self):
        with open(self.key, "w") as file:
            file.write("not a key\n")
        self.assert_fails(self.simkeep("apikey", "create", "--role", "admin"),
                          "secret_key_unreadable")

    # apikey create -----------------------------------------------------------------------------

    def test_apikey_create_prints_a_token_for_a_known_role(self):
        for role in ("admin", "operator", "clerk", "agent", "kiosk", "partner"):
            created = self.simkeep("apikey", "create", "--role", role)
            self.assert_ok(created)
            self.assertRegex(created.stdout, r"^sk_[0-9a-f]+\n$")
        self.assertEqual(self.sql("SELECT count(*) FROM api_keys"), "6")

    def test_apikey_create_refuses_an_unknown_role(self):
        created = self.simkeep("apikey", "create", "--role", "nonsense")
        self.assertEqual(created.returncode, 1)
        self.assertEqual(created.stdout, "")
        self.assertIn("simkeep: role_invalid: role must be one of admin, operator, clerk, agent, "
                      "kiosk, partner.", created.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM api_keys"), "0")
        missing = self.simkeep("apikey", "create")
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("--role", missing.stderr)

    def test_apikey_revoke_by_id_or_token(self):
        created = self.simkeep("apikey", "create", "--role", "clerk", "--name", "till 2")
        self.assert_ok(created)
        key_id = re.search(r"created API key (\S+) \(role clerk\)", created.stderr).group(1)
        self.assertEqual(self.sql("SELECT name FROM api_keys WHERE api_key_id = '%s'" % key_id),
                         "till 2")
        revoked = self.simkeep("apikey", "revoke", key_id)
        self.assert_ok(revoked)
        self.assertIn("revoked %s; every instance refuses it within 5 seconds" % key_id,
                      revoked.stdout)
        revoked_at = self.sql("SELECT revoked_at FROM api_keys WHERE api_key_id = '%s'" % key_id)
        self.assertNotEqual(revoked_at, "")
        self.assert_ok(self.simkeep("apikey", "revoke", created.stdout.strip()))  # The token.
        self.assertEqual(self.sql("SELECT revoked_at FROM api_keys WHERE api_key_id = '%s'"
                                  % key_id), revoked_at)
        for unknown in ("key_none", "sk_none"):
            self.assert_fails(self.simkeep("apikey", "revoke", unknown), "api_key_not_found")

    # database URLs -----------------------------------------------------------------------------

    def test_a_postgresql_url_needs_a_shared_key_file(self):
        url = "postgresql://simkeep:hunter2@127.0.0.1:1/simkeep"
        completed = self.simkeep("migrate", database=url)
        self.assert_fails(completed, "secret_key_file_required")

    def test_an_unreachable_postgresql_server_is_reported_without_its_password(self):
        url = "postgresql://simkeep:hunter2@127.0.0.1:1/simkeep?connect_timeout=2"
        key = os.path.join(self.directory, "secret.key")
        completed = self.simkeep("--secret-key-file", key, "migrate", database=url)
        self.assert_fails(completed, "db_unavailable")
        self.assertNotIn("hunter2", completed.stdout + completed.stderr)

    def test_an_unknown_database_url_is_refused(self):
        completed = self.simkeep("migrate", database="mysql://user:hunter2@127.0.0.1/simkeep")
        self.assert_fails(completed, "database_url_invalid")
        self.assertNotIn("hunter2", completed.stderr)

    # topup and renew ---------------------------------------------------------------------------

    def test_topup_then_renew_from_the_balance(self):
        line_iccid = iccid("898110", 9)
        line_id = self.provision_one("docomo", "898110", 9)
        topup = self.simkeep("topup", line_id, "--amount", "1000")
        self.assert_ok(topup)
        order = json.loads(topup.stdout)
        self.assertEqual(order["kind"], "topup")
        self.assertEqual(order["status"], "completed")
        self.assertEqual(order["amount_jpy"], 1000)
        self.assertEqual(order["line_id"], line_id)
        self.assertEqual(order["channel"], "cli")
        self.assertEqual(order["payment"]["method"], "cash")
        self.assertEqual(order["payment"]["status"], "succeeded")
        self.assertRegex(order["receipt_number"], r"^R\d{10}$")
        self.assertEqual(self.line_status(line_iccid)["balance_jpy"], 1000)

        renew = self.simkeep("renew", line_id, "--plan", "sample-docomo-keeper-1gb",
                             "--method", "balance")
        self.assert_ok(renew)
        renewal = json.loads(renew.stdout)
        self.assertEqual(renewal["kind"], "renewal")
        self.assertEqual(renewal["status"], "completed")
        self.assertEqual(renewal["plan_id"], "sample-docomo-keeper-1gb")
        self.assertEqual(renewal["amount_jpy"], 290)
        self.assertEqual(renewal["payment"]["method"], "balance")
        self.assertNotEqual(renewal["receipt_number"], order["receipt_number"])
        status = self.line_status(line_iccid)
        self.assertEqual(status["balance_jpy"], 710)
        self.assertIsNotNone(status["expires_at"])
        self.assertTrue(any(bucket["kind"] == "data" for bucket in status["buckets"]),
                        status["buckets"])
        self.assertEqual(self.sql("SELECT count(*) FROM orders WHERE line_id = '%s' "
                                  "AND status = 'completed'" % line_id), "2")
        self.assert_ok(self.simkeep("audit"))

    def test_payment_upkeep_commands(self):
        line_id = self.provision_one("docomo", "898110", 11)
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "500"))
        sweep = self.simkeep("payments", "sweep")
        self.assert_ok(sweep)
        self.assertEqual(sweep.stdout.strip(),
                         "payments: 0 asked about, 0 expired, 0 found paid, 0 unanswered, 0 refunds "
                         "settled, 0 saved cards settled")
        # Cash is not the provider's: nothing to reconcile, and nothing wrong.
        reconcile = self.simkeep("report", "reconcile", "--date", "2026-11-22")
        self.assert_ok(reconcile)
        report = json.loads(reconcile.stdout)
        self.assertEqual((report["provider"], report["balanced"], report["mismatches"]),
                         ("sandbox", True, []))
        self.assert_fails(self.simkeep("report", "reconcile", "--date", "22/11/2026"),
                          "date_invalid")
        self.assert_fails(self.simkeep("sandbox", "settle", "pay_nothing"), "payment_not_found")
        self.assert_fails(self.simkeep("--payment-provider", "paypal", "payments", "sweep"),
                          "payment_provider_invalid")

    def test_tick_renews_what_is_due_once(self):
        line_id = self.provision_one("docomo", "898110", 12)
        self.assert_ok(self.simkeep("--now", "2026-11-22T12:00:00+09:00", "renew", line_id,
                                    "--plan", "sample-docomo-mvno-2gb"))
        self.assert_ok(self.simkeep("--now", "2026-11-22T12:00:00+09:00", "topup", line_id,
                                    "--amount", "1000"))
        expires_at = self.sql("SELECT expires_at FROM lines WHERE line_id = '%s'" % line_id)
        # The setting as PUT /v1/lines/{id}/auto-renewal stores it.
        self.sql("INSERT INTO auto_renewals VALUES ('%s', 1, 'sample-docomo-mvno-2gb', "
                 "'balance', 5000, 0, NULL, NULL)" % line_id)
        early = self.simkeep("--now", "2026-12-19T12:00:00+09:00", "tick")
        self.assert_ok(early)
        self.assertEqual(early.stdout.splitlines()[0],
                         "scheduler: 0 automatic renewals started, 0 renewed, 0 topped up, 0 "
                         "waiting for their payment, 0 attempts failed (0 given up), 0 skipped; "
                         "0 lines moved on after their validity ended; 0 allowances expired")
        self.assertEqual(early.stdout.splitlines()[1],
                         "notifications: 0 reminders queued; 0 delivered, 0 to be retried, 0 "
                         "failed for good")
        due = self.simkeep("--now", "2026-12-21T12:00:00+09:00", "tick")
        self.assert_ok(due)
        self.assertTrue(due.stdout.startswith(
            "scheduler: 1 automatic renewals started, 1 renewed,"), due.stdout)
        again = self.simkeep("--now", "2026-12-21T12:00:00+09:00", "tick")
        self.assert_ok(again)
        self.assertIn("0 renewed", again.stdout)
        self.assertNotEqual(
            self.sql("SELECT expires_at FROM lines WHERE line_id = '%s'" % line_id), expires_at)
        self.assertEqual(self.sql("SELECT count(*) || '/' || min(status) FROM scheduler_jobs"),
                         "1/done")
        self.assert_ok(self.simkeep("audit"))

    def test_renew_with_cash_needs_no_balance(self):
        line_id = self.provision_one("docomo", "898110", 10)
        renew = self.simkeep("renew", line_id, "--plan", "sample-docomo-mvno-2gb")
        self.assert_ok(renew)
        renewal = json.loads(renew.stdout)
        self.assertEqual(renewal["payment"]["method"], "cash")
        self.assertEqual(renewal["amount_jpy"], 850)
        self.assertEqual(self.line_status(iccid("898110", 10))["balance_jpy"], 0)

    def test_topup_and_renew_refuse_bad_requests_without_writing(self):
        line_id = self.provision_one("docomo", "898110", 11)
        self.assert_fails(self.simkeep("topup", line_id, "--amount", "0"), "amount_not_positive")
        self.assert_fails(self.simkeep("topup", line_id, "--amount", "100001"), "amount_too_large")
        self.assert_fails(self.simkeep("topup", "ln_missing", "--amount", "100"), "line_not_found")
        self.assert_ok(self.simkeep("topup", line_id, "--amount", "100"))
        self.assert_fails(self.simkeep("renew", line_id, "--plan", "sample-docomo-keeper-1gb",
                                       "--method", "balance"), "insufficient_balance")
        self.assert_fails(self.simkeep("renew", line_id, "--plan", "sample-au-topping-3gb",
                                       "--method", "cash"), "plan_carrier_mismatch")
        self.assert_fails(self.simkeep("renew", line_id, "--plan", "no-such-plan"),
                          "plan_not_found")
        self.assert_fails(self.simkeep("renew", line_id, "--plan", "sample-docomo-keeper-1gb",
                                       "--method", "bitcoin"), "payment_method_invalid")
        self.assertEqual(self.line_status(iccid("898110", 11))["balance_jpy"], 100)
        self.assertEqual(self.sql("SELECT count(*) FROM orders"), "1")
        self.assert_ok(self.simkeep("audit"))


def psql(url, command):
    completed = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", url,
                                "-c", command], capture_output=True, text=True,
                               timeout=COMMAND_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        raise AssertionError("psql %r failed: %s" % (command, completed.stderr))
    return completed.stdout.strip()


@unittest.skipUnless(PG_URI, "needs SIMKEEP_TEST_PG_URI (run through scripts/with_postgres.sh)")
class PostgresCliTest(unittest.TestCase):
    """The command line on PostgreSQL: what differs from SQLite (rights, key files)."""

    created = 0

    def setUp(self):
        PostgresCliTest.created += 1
        self.name = "simkeep_cli_%d_%d" % (os.getpid(), PostgresCliTest.created)
        self.reader = self.name + "_reader"
        psql(PG_URI, "CREATE DATABASE %s TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'"
             % self.name)
        self.url = self.url_for("postgres")
        self.directory = tempfile.mkdtemp(prefix="simkeep-cli-pg-")
        self.key = os.path.join(self.directory, "secret.key")

    def tearDown(self):
        psql(PG_URI, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)
        psql(PG_URI, "DROP ROLE IF EXISTS %s" % self.reader)
        shutil.rmtree(self.directory, ignore_errors=True)

    def url_for(self, user):
        """This test's database as `user` (the server trusts loopback connections)."""
        prefix, rest = PG_URI.split("://", 1)
        host_and_database = rest.split("@", 1)[-1]
        return "%s://%s@%s/%s" % (prefix, user, host_and_database.rsplit("/", 1)[0], self.name)

    def simkeep(self, *arguments, database=None):
        return subprocess.run([BINARY, "--database", database or self.url] + list(arguments),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_SECONDS)

    def assert_ok(self, completed):
        self.assertEqual(completed.returncode, 0,
                         "exit %d\nstdout:\n%s\nstderr:\n%s"
                         % (completed.returncode, completed.stdout, completed.stderr))

    def assert_fails(self, completed, reason):
        self.assertNotEqual(completed.returncode, 0, completed.stdout)
        self.assertIn("simkeep: %s: " % reason, completed.stderr)

    def public_tables(self):
        return psql(self.url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")

    def test_audit_of_a_new_database_fails_clearly_and_creates_no_table(self):
        # No key file either: a reading command needs none.
        refused = self.simkeep("audit")
        self.assert_fails(refused, "schema_out_of_date")
        self.assertIn("run simkeep migrate first", refused.stderr)
        self.assertEqual(self.public_tables(), "0")
        self.assertEqual(os.listdir(self.directory), [])

    def test_a_user_who_may_only_read_can_audit_and_show_a_line(self):
        self.assert_ok(self.simkeep("--secret-key-file", self.key, "migrate"))
        line_iccid = iccid("898110", 31)
        path = os.path.join(self.directory, "one.csv")
        with open(path, "w") as file:
            file.write("iccid,carrier\n%s,docomo\n" % line_iccid)
        self.assert_ok(self.simkeep("--secret-key-file", self.key, "import", "lines", path))
        line_id = psql(self.url, "SELECT line_id FROM lines")
        self.assert_ok(self.simkeep("--secret-key-file", self.key, "topup", line_id,
                                    "--amount", "800"))
        # SELECT rights only, and every transaction read-only by default, as on a standby: any
        # write, and any row lock, is refused.
        psql(self.url, "CREATE ROLE %s LOGIN; GRANT CONNECT ON DATABASE %s TO %s; "
             "GRANT USAGE ON SCHEMA public TO %s; GRANT SELECT ON ALL TABLES IN SCHEMA public "
             "TO %s; ALTER ROLE %s SET default_transaction_read_only = on"
             % ((self.reader, self.name) + (self.reader,) * 4))
        reader = self.url_for(self.reader)
        audited = self.simkeep("audit", database=reader)
        self.assert_ok(audited)
        self.assertIn("1 transfers, 1 orders, 0 open holds, 0 violations - ledger OK",
                      audited.stdout)
        shown = self.simkeep("line", line_id, database=reader)
        self.assert_ok(shown)
        self.assertEqual(json.loads(shown.stdout)["balance_jpy"], 800)
        self.assert_ok(self.simkeep("plan", database=reader))
        # Writing as the reader is refused by the server.
        self.assertNotEqual(self.simkeep("--secret-key-file", self.key, "topup", line_id,
                                         "--amount", "1", database=reader).returncode, 0)


    def test_an_instance_with_a_missing_key_file_seals_nothing(self):
        created = self.simkeep("--secret-key-file", self.key, "migrate")
        self.assert_ok(created)
        self.assertIn("created the key file " + self.key, created.stdout)
        # A second instance whose key file was not copied (or is mistyped) is refused by every
        # command, migrate included: the database exists, so no new key is made.
        other = os.path.join(self.directory, "other.key")
        for command in (["migrate"], ["apikey", "create", "--role", "admin"]):
            refused = self.simkeep("--secret-key-file", other, *command)
            self.assert_fails(refused, "secret_key_file_missing")
            self.assertIn(other, refused.stderr)
        served = subprocess.run([BINARY, "--database", self.url, "--secret-key-file", other,
                                 "serve", "--port", "0"], stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=30)
        self.assert_fails(served, "secret_key_file_missing")
        self.assertFalse(os.path.exists(other))
        shutil.copy(self.key, other)
        self.assert_ok(self.simkeep("--secret-key-file", other, "apikey", "create",
                                    "--role", "admin"))

def main():
    global BINARY
    if len(sys.argv) < 2:
        print("usage: cli_test.py PATH_TO_SIMKEEP [unittest arguments]", file=sys.stderr)
        return 2
    BINARY = os.path.abspath(sys.argv[1])
    if shutil.which("sqlite3") is None:
        print("cli_test.py needs the sqlite3 shell", file=sys.stderr)
        return 1
    program = unittest.main(argv=[sys.argv[0]] + sys.argv[2:], exit=False, verbosity=2)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
