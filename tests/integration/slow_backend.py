"""A test-only email backend: the file-based one, after a pause.

The pause holds a delivery open (its claim taken, nothing written yet) long enough for
a test to kill the worker in the middle of it. Never configured outside
tests/integration.
"""

import os
import time

from django.core.mail.backends.filebased import EmailBackend as FileBasedEmailBackend


class EmailBackend(FileBasedEmailBackend):
    delay_seconds = float(os.environ.get("PORTAL_TEST_SLOW_EMAIL_SECONDS", "3"))

    def send_messages(self, email_messages):
        time.sleep(self.delay_seconds)
        return super().send_messages(email_messages)
