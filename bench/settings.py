"""The portal's own settings, with the bench-only URLconf that adds the bare view (bench/urls.py).

Everything else, middleware included, is the portal's: the bare view measures the ceiling
of exactly the stack the endpoints run on.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
