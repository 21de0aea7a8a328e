"""A tiny SMTP server on loopback that accepts mail, or refuses it the ways real servers do.

Enough of RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT). While
refusing, each connection gets the next refusal in turn: a 421 greeting ("try later"), a
554 greeting ("no service here"), a hang-up before any greeting, or a 451 to MAIL FROM
after a normal greeting. Every accepted message is kept, raw, so that a test can count
what arrived per ``X-Portal-Notification`` header.
"""

import email
import itertools
import socketserver
import threading
import time
from collections import Counter

REFUSALS = ("greeting_421", "greeting_554", "hang_up", "mail_451")


class FakeSmtpServer:
    def __init__(self):
        self.accepting = True
        self.messages: list[bytes] = []
        self.refusals: list[tuple[float, str]] = []  # (monotonic time, how) of each refused connection
        self._next_refusal = itertools.cycle(REFUSALS)
        self._lock = threading.Lock()
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def refuse(self):
        self.accepting = False

    def accept(self):
        self.accepting = True

    def worker_env(self):
        """What a worker needs to send through this server with Django's SMTP backend."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_TIMEOUT": "5",
        }

    def received(self) -> Counter:
        """How many accepted messages carry each X-Portal-Notification key."""
        with self._lock:
            parsed = [email.message_from_bytes(raw) for raw in self.messages]
        return Counter(message["X-Portal-Notification"] for message in parsed)

    def headers_of(self, key) -> list:
        """The parsed messages received for one notification key."""
        with self._lock:
            parsed = [email.message_from_bytes(raw) for raw in self.messages]
        return [message for message in parsed if message["X-Portal-Notification"] == key]

    def refused_count(self) -> int:
        with self._lock:
            return len(self.refusals)

    # -- the protocol -------------------------------------------------------------------

    def _refusal(self):
        if self.accepting:
            return None
        with self._lock:
            how = next(self._next_refusal)
            self.refusals.append((time.monotonic(), how))
        return how

    def _keep(self, raw: bytes):
        with self._lock:
            self.messages.append(raw)

    def _handler_class(self):
        server = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 10

            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self):
                refusal = server._refusal()
                if refusal == "hang_up":
                    return
                if refusal == "greeting_421":
                    return self.reply("421 4.3.2 fake.invalid Service not available, closing transmission channel")
                if refusal == "greeting_554":
                    return self.reply("554 5.3.2 fake.invalid No SMTP service here")
                self.reply("220 fake.invalid ESMTP ready")
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    verb = line.strip().split(b" ", 1)[0].upper()
                    if verb == b"EHLO":
                        self.reply("250-fake.invalid")
                        self.reply("250 8BITMIME")
                    elif verb in (b"HELO", b"RCPT", b"RSET", b"NOOP"):
                        self.reply("250 OK")
                    elif verb == b"MAIL":
                        if refusal == "mail_451":
                            self.reply("451 4.3.0 Mail server temporarily rejected message")
                        else:
                            self.reply("250 OK")
                    elif verb == b"DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while True:
                            data_line = self.rfile.readline()
                            if not data_line or data_line in (b".\r\n", b".\n"):
                                break
                            # Undo dot-stuffing (RFC 5321, 4.5.2).
                            lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                        server._keep(b"".join(lines))
                        self.reply("250 2.0.0 Ok: queued")
                    elif verb == b"QUIT":
                        return self.reply("221 2.0.0 Bye")
                    else:
                        self.reply("502 5.5.2 Command not recognized")

        return Handler
