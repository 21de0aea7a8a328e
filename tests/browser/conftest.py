"""Real Chromium, driven by Playwright's sync API, against pytest-django's live server.

One browser for the whole session (starting Chromium costs about half a second); a
fresh context, so fresh cookies and storage, for every test.
"""

import os

# Playwright's sync API runs an asyncio event loop in the test thread, and Django's ORM
# refuses to run in a thread with a running loop. The test body only sets up and checks
# data between browser steps, never concurrently with them, so the guard can be lifted.
# Set before anything imports Django's ORM machinery.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from pathlib import Path  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from django.test import Client  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1280, "height": 900}
# Generous for a page load on a busy CI machine, short enough that a missing element fails fast.
TIMEOUT_MS = 5_000


def require(path: Path, how: str, *, tests: str):
    """Skip when ``path`` (a tool the tests drive) is missing; fail instead on CI, where nothing skips."""
    if path.exists():
        return
    message = f"{path} is missing: {how}."
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires the {tests} to run, but {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    """The session's Chromium; skipped without /usr/bin/chromium, except on CI, where that is a failure."""
    require(CHROMIUM, "install it with `apt-get install chromium`", tests="browser tests")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture(autouse=True)
def seeded_rules(seeded_transactional_db):
    """Every browser test commits for real (the live server reads its data): see the root conftest."""


@pytest.fixture(autouse=True)
def static_files_from_sources(settings):
    """Serve CSS and JS from static/ under their plain names.

    With DEBUG off the project uses whitenoise's manifest storage, so pages link
    /static/css/portal.<hash>.css. The live server's StaticFilesHandler looks files up
    through the finders (static/), which know no hashed names, and answers 404: the
    pages would run without their stylesheet and script. Plain storage makes the
    live server serve the current sources (no stale collectstatic output either).
    """
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page(chromium, live_server):
    """A blank page in a fresh context; relative URLs resolve against the live server.

    The test fails if any stylesheet or script fails to load, or if a script throws:
    a page without them would look and behave differently from production.
    """
    context = chromium.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    broken = []
    static_prefix = urlsplit(django_settings.STATIC_URL).path  # "/static/"

    def check_asset(response):
        if response.status >= 400 and urlsplit(response.url).path.startswith(static_prefix):
            broken.append(f"{response.status} {response.url}")

    page.on("response", check_asset)
    page.on("pageerror", lambda error: broken.append(f"script error: {error}"))
    yield page
    context.close()
    assert not broken, f"the page's own assets or scripts failed: {broken}"


@pytest.fixture
def sign_in(live_server):
    """``sign_in(page, user)``: give the page's context a session of that user, without the form."""

    def sign_in(page, user):
        client = Client()
        client.force_login(user)
        session = client.cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": session.key, "value": session.value, "url": live_server.url, "httpOnly": True}]
        )

    return sign_in


@pytest.fixture
def screenshot():
    """``screenshot(page, "case-page")`` saves a full-page PNG when SCREENSHOTS_DIR is set, else nothing.

    Regenerate the README's pictures with
    ``SCREENSHOTS_DIR=docs/screenshots pytest tests/browser``.
    """
    directory = os.environ.get("SCREENSHOTS_DIR")

    def save(page, name):
        if not directory:
            return
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return save
