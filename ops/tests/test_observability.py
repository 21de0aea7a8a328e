"""JSON logs (LOG_FORMAT=json) and Sentry (SENTRY_DSN), each in a process of its own that
reads the settings from its environment, as the web app and the worker do."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.conf import settings

from portal.observability import logging_config

LOG_A_LINE = """
import logging
import django
django.setup()
logging.getLogger("portal.check").warning("hello %s", "json", extra={"case_id": 12})
"""


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_log_format_json_writes_one_json_object_per_line():
    lines = run_python(LOG_A_LINE, LOG_FORMAT="json").stderr.strip().splitlines()

    record = json.loads(lines[-1])
    assert record["level"] == "WARNING"
    assert record["logger"] == "portal.check"
    assert record["message"] == "hello json"
    assert record["case_id"] == 12
    assert record["time"]


def test_the_default_log_format_is_text():
    assert run_python(LOG_A_LINE).stderr.strip().splitlines()[-1] == "hello json"


def test_an_unknown_log_format_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="LOG_FORMAT must be text or json"):
        logging_config(log_format="xml", level="INFO")


class SentryIngest(BaseHTTPRequestHandler):
    """A local stand-in for Sentry's ingest endpoint: keeps each envelope it is sent."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 - the http.server name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            import gzip

            body = gzip.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_ingest():
    SentryIngest.received = []
    server = HTTPServer(("127.0.0.1", 0), SentryIngest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


REPORT_AN_ERROR = """
import logging
import django
import sentry_sdk
django.setup()
logging.getLogger("portal.check").error("sentry check: delivery stalled")
sentry_sdk.flush(timeout=10)
"""


def test_with_sentry_dsn_an_error_log_reaches_sentry(sentry_ingest):
    dsn = f"http://publickey@127.0.0.1:{sentry_ingest.server_port}/42"

    run_python(REPORT_AN_ERROR, SENTRY_DSN=dsn, SENTRY_ENVIRONMENT="ci")

    [(path, envelope)] = SentryIngest.received
    assert path == "/api/42/envelope/"
    assert b"sentry check: delivery stalled" in envelope
    assert b'"environment":"ci"' in envelope


def test_without_sentry_dsn_nothing_is_sent(sentry_ingest):
    run_python(REPORT_AN_ERROR, SENTRY_DSN="")

    assert SentryIngest.received == []
