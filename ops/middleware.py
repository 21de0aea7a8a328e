import time

from ops import metrics


class RequestLatencyMiddleware:
    """Observes every request's duration into the latency histogram.

    First in MIDDLEWARE, so the time spent in the other middleware (sessions, CSP, Axes)
    counts too. The view label is the URL name (``app:name``), never the path, so the
    number of series stays bounded (an unnamed route gives its view's dotted path); a path
    that matches nothing is ``<unmatched>``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        metrics.observe_request(
            method=request.method,
            view=match.view_name if match else "<unmatched>",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
