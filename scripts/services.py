"""Is PostgreSQL / Redis reachable? Prints shell exports for the test run.

With CI=true an unreachable service is an error (exit 1), never a silent skip.
"""

import os
import socket
import sys


def reachable(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def main():
    ci = os.environ.get("CI", "").lower() == "true"
    missing = []
    if not os.environ.get("DATABASE_URL"):
        if reachable("127.0.0.1", 5432):
            print("export DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal")
        else:
            missing.append("PostgreSQL on 127.0.0.1:5432")
    if not os.environ.get("CELERY_BROKER_URL"):
        if reachable("127.0.0.1", 6379):
            print("export CELERY_BROKER_URL=redis://127.0.0.1:6379/15")
        else:
            missing.append("Redis on 127.0.0.1:6379")
    for what in missing:
        print(f"echo 'Not reachable: {what}; tests that need it use the embedded default.' >&2")
    if missing and ci:
        print(f"CI=true needs {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
