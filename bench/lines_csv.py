"""Writes an import CSV of N au data lines with valid (Luhn) ICCIDs: lines_csv.py N > FILE."""
import sys


def luhn(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


out = sys.stdout
out.write("iccid,carrier\n")
for i in range(int(sys.argv[1])):
    p = "898110%013d" % i
    out.write(p + luhn(p) + ",au\n")
