"""What gunicorn serves in the benchmark: the portal, and two ceilings, in one process.

``gunicorn bench.bare_app:application`` runs bench.settings (the portal's settings with
bench/urls.py, which adds the bare JSON view). Two ceilings share workers and configuration
with the endpoints:

- ``/bench/bare/``: the bare view through the portal's full middleware stack, as every
  endpoint runs;
- ``/bench/bare-no-middleware/``: the same view through a Django handler that loads no
  middleware at all (URL resolution, request and response only): what this Django, gunicorn
  and machine can do before the stack costs anything.

An endpoint's requests per second divided by either is its share of that ceiling.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

NO_MIDDLEWARE_PATH = "/bench/bare-no-middleware/"


class NoMiddlewareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain, whatever settings.MIDDLEWARE says."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


full_stack = get_wsgi_application()
no_middleware = NoMiddlewareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == NO_MIDDLEWARE_PATH:
        return no_middleware(environ, start_response)
    return full_stack(environ, start_response)
