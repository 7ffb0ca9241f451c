"""Pre-funds every line through the API: one cash top-up of AMOUNT yen per line, over keep-alive
connections. Usage: prefund.py URL TOKEN LINES_FILE AMOUNT [CONNECTIONS]. Exits non-zero if any
top-up fails."""
import http.client
import json
import sys
import threading
import urllib.parse

url, token, lines_file, amount = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
connections = int(sys.argv[5]) if len(sys.argv) > 5 else 8
parsed = urllib.parse.urlparse(url)
lines = [line.strip() for line in open(lines_file) if line.strip()]
body = json.dumps({"amount_jpy": amount, "payment": {"method": "cash"}})
failures = []


def worker(index):
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    for line in lines[index::connections]:
        conn.request("POST", f"/v1/lines/{line}/topups", body=body, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json",
            "Idempotency-Key": f"prefund-{line}"})
        response = conn.getresponse()
        response.read()
        if response.status not in (200, 201):
            failures.append((line, response.status))
    conn.close()


threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    print(f"prefund: {len(failures)} failed, first {failures[0]}", file=sys.stderr)
    sys.exit(1)
