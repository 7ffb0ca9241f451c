"""Writes an import CSV of N au data lines with valid (Luhn) ICCIDs: lines_csv.py N > FILE."""
import os
import sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "support"))
from simkeep_ids import luhn_check_digit  # noqa: E402



out = sys.stdout
out.write("iccid,carrier\n")
for i in range(int(sys.argv[1])):
    p = "898110%013d" % i
    out.write(p + luhn_check_digit(p) + ",au\n")
