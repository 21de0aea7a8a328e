"""What gunicorn serves in the benchmark: the portal and the bare view, one process, one settings module.

``gunicorn bench.bare_app:application`` runs bench.settings (the portal's settings with
bench/urls.py, which adds the bare JSON view at /bench/bare/). Endpoints and ceiling share
workers, middleware and configuration, so an endpoint's requests per second divided by
the bare view's is the share of this stack's best it reaches on this machine.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

application = get_wsgi_application()
