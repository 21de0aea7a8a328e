"""Every page of the portal a person can reach, found the way they find them: by following links.

The phone layout test and the accessibility test walk the same pages. Rather than a list
that a new page would be missing from (a settings page, a confirmation step), the walk
starts where a person starts (the case list and the header's menu) and follows every
link of the portal's own pages as the signed-in user. Each kind of page (a case page, an
escalation page) is visited for several cases, up to MAX_PER_KIND: the demo's cases each
show a different state (too early, review pending, Level 4...), while staff, who also see
the demo's history, would otherwise walk a hundred pages that look alike.
"""

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.management import call_command

# Not the portal's own pages, or not pages at all: the Django admin (walked on its own),
# the API and its docs (Swagger UI), sign-out, files to download and the ops endpoints.
NOT_PORTAL_PAGES = re.compile(r"^/(admin|api|static|logout|healthz|readyz|metrics)(/|$)|\.(csv|json|svg|png)$")
# A kind of page: its path with numbers replaced ("/cases/#/escalate/").
NUMBER = re.compile(r"/\d+(?=/)")
# A customer's organization has 8 demo cases, each in another state: all of them. (Staff,
# who see the demo's history too, get the first 8 of each list: pending reviews come first.)
MAX_PER_KIND = 8
# A walk that finds more pages than this has found a link loop, not a portal.
MAX_PAGES = 80


@dataclass(frozen=True)
class Visit:
    path: str
    status: int
    name: str  # a file-name-safe label for screenshots: "cases-12-escalate"


def load_demo():
    """The demo of README's sign-ins: every escalation state at once, through the services."""
    call_command("load_demo", "--force", verbosity=0)


def page_kind(path: str) -> str:
    return NUMBER.sub("/#", path)


def visit_name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def portal_links(page) -> list[str]:
    """The same-origin paths the page links to, the portal's own pages only, without query or fragment."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    origin = urlsplit(page.url)
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if NOT_PORTAL_PAGES.search(parts.path):
            continue
        paths.append(parts.path)
    return paths


def walk(page, check, *, start="/", extra=()):
    """Visit every portal page reachable from ``start`` (and ``extra``) and call ``check(page, visit)`` on each.

    Breadth first, each path once, at most MAX_PER_KIND paths of a kind. Returns the
    visits in order. A page that answers anything but 200 is still checked (the 404 page
    is a page too) but not followed.
    """
    queue, seen, visits, kinds = [start, *extra], set(), [], Counter()
    while queue:
        path = queue.pop(0)
        if path in seen or kinds[page_kind(path)] >= MAX_PER_KIND:
            continue
        seen.add(path)
        kinds[page_kind(path)] += 1
        assert len(seen) <= MAX_PAGES, f"more than {MAX_PAGES} pages: {sorted(seen)}"
        response = page.goto(path)  # waits for "load": the page, its stylesheet and scripts
        visit = Visit(path=path, status=response.status, name=visit_name(path))
        visits.append(visit)
        check(page, visit)
        if response.status == 200:
            queue.extend(link for link in portal_links(page) if link not in seen)
    return visits
