#!/usr/bin/env python3
"""An HTTP server that keeps the requests it receives, to test simkeep's webhook and SMS
gateway channels. Standard library only.

    http_receiver.py

Listens on a free port of 127.0.0.1 only, prints one line of JSON to stdout ({"port": N,
"dir": "/tmp/..."}) and serves until its stdin closes (so it ends with the test process that
started it, even one that crashed), then removes its directory.

Every request (any method) is written to the directory as NNNNNN.json before it is answered:
{"method": "POST", "path": "/status/410", "headers": [["Name", "value"], ...],
"body_b64": "..."}. The path chooses the answer:
    /status/<code>    that status, with a short body
    /sleep/<seconds>  200 after that many seconds (to try a client's timeout)
    /big              200 with a body of 1 MiB
    anything else     200
"""

import base64
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # A sleeping handler must not hold up the shutdown.
    directory = ""
    count = 0
    lock = threading.Lock()

    def record(self, request):
        with self.lock:
            self.count += 1
            path = os.path.join(self.directory, "%06d.json" % self.count)
        with open(path + ".tmp", "w") as file:
            json.dump(request, file)
        os.rename(path + ".tmp", path)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record({
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body_b64": base64.b64encode(body).decode(),
        })
        status, answer = 200, b'{"ok":true}'
        parts = self.path.split("/")
        if len(parts) == 3 and parts[1] == "status":
            status, answer = int(parts[2]), b'{"status":%d}' % int(parts[2])
        elif len(parts) == 3 and parts[1] == "sleep":
            time.sleep(float(parts[2]))
        elif self.path == "/big":
            answer = b"x" * (1 << 20)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        try:
            self.wfile.write(answer)
        except OSError:
            pass  # The client stopped reading (it timed out, or had read enough).

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    directory = tempfile.mkdtemp(prefix="http_receiver_")
    try:
        server = Server(("127.0.0.1", 0), Handler)
        server.directory = directory

        def stop_when_stdin_closes():
            sys.stdin.buffer.read()
            server.shutdown()

        threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
        print(json.dumps({"port": server.server_address[1], "dir": directory}), flush=True)
        server.serve_forever()
        server.server_close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
