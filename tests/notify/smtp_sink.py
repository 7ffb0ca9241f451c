#!/usr/bin/env python3
"""A mail server that keeps what it receives, to test simkeep's SMTP notification channel.

    smtp_sink.py [--reply CODE:ADDRESS]... [--starttls] [--user NAME --password PASSWORD]

Built on aiosmtpd (Debian's python3-aiosmtpd). Listens on a free port of 127.0.0.1 only, prints
one line of JSON to stdout ({"port": N, "dir": "/tmp/...", "ca_file": "/tmp/.../cert.pem" or
""}) and serves until its stdin closes (so it ends with the test process that started it, even
one that crashed), then removes its directory.

Each message accepted after DATA is written to the directory as NNNNNN.json:
{"mail_from": "...", "rcpt_tos": ["..."], "data_b64": "<the message's bytes, base64>"}, written
whole before the server answers 250, so a client that got its 250 finds the file.

--reply 550:bad@example.jp answers RCPT TO:<bad@example.jp> with that code (550, 450, ...)
instead of accepting it. --starttls offers STARTTLS with a self-signed certificate for
127.0.0.1 (made with the openssl command; its path is the greeting's ca_file) and refuses mail
before it. --user/--password require AUTH (PLAIN or LOGIN) with those credentials, without TLS.
"""

import argparse
import asyncio
import base64
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

REPLY_TEXT = {4: "4.2.0 Mailbox busy, try again later", 5: "5.1.1 No such mailbox here"}


class Handler:
    def __init__(self, directory, replies):
        self.directory = directory
        self.replies = replies
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.replies.get(address.lower())
        if code is not None:
            return "%d %s" % (code, REPLY_TEXT.get(code // 100, "Refused"))
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data_b64": base64.b64encode(envelope.original_content).decode(),
        }
        path = os.path.join(self.directory, "%06d.json" % self.count)
        with open(path + ".tmp", "w") as file:
            json.dump(record, file)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def make_certificate(directory):
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == user.encode()
              and auth_data.password == password.encode())
        # handled=False: aiosmtpd then answers 535 itself (with True it would answer nothing).
        return AuthResult(success=ok, handled=False)
    return authenticate


def parse_replies(values):
    replies = {}
    for value in values:
        code, _, address = value.partition(":")
        replies[address.lower()] = int(code)
    return replies


async def serve(args, directory, stopped):
    tls_context, ca_file = None, ""
    if args.starttls:
        ca_file, key = make_certificate(directory)
        tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls_context.load_cert_chain(ca_file, key)
    handler = Handler(directory, parse_replies(args.reply))
    options = {"hostname": "smtp-sink.test", "tls_context": tls_context,
               "require_starttls": args.starttls}
    if args.user:
        options.update(auth_required=True, auth_require_tls=False,
                       authenticator=authenticator_for(args.user, args.password))
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port, "dir": directory, "ca_file": ca_file}), flush=True)
    await stopped.wait()
    server.close()
    await server.wait_closed()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reply", action="append", default=[])
    parser.add_argument("--starttls", action="store_true")
    parser.add_argument("--user", default="")
    parser.add_argument("--password", default="")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="smtp_sink_")
    try:
        loop = asyncio.new_event_loop()
        stopped = asyncio.Event()

        def stop_when_stdin_closes():
            sys.stdin.buffer.read()
            loop.call_soon_threadsafe(stopped.set)

        threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
        loop.run_until_complete(serve(args, directory, stopped))
        loop.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
