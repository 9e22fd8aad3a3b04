"""Browser tests: a live server in a thread, driven by Playwright in Debian's Chromium.

Playwright never downloads a browser here: it drives ``/usr/bin/chromium``
(``VAERESTED_CHROMIUM`` overrides the path). Without Chromium the tests are
skipped with a reason, unless ``VAERESTED_REQUIRE_BROWSER=1`` (CI), which turns
the skip into a failure.
"""

import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("VAERESTED_CHROMIUM", "/usr/bin/chromium")
#: Milliseconds an ``expect`` waits: the machines running CI are small and shared.
EXPECT_TIMEOUT_MS = 10_000
REQUIRE_BROWSER = os.environ.get("VAERESTED_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

#: Flags for Chromium as root on a closed network (see PITFALLS.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = (
        f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
    )
    if REQUIRE_BROWSER:
        pytest.fail(reason.replace("skipped", "required (VAERESTED_REQUIRE_BROWSER=1)"))
    pytest.skip(reason)


#: Chromium may drop a connection while the threaded dev server still streams a
#: static file (e.g. when a page or its service worker is closed mid-request);
#: werkzeug then leaves that file to the garbage collector. Only that is ignored.
DROPPED_STATIC_FILE = pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <_io.FileIO name='[^']*/static/"
    r":pytest.PytestUnraisableExceptionWarning"
)


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(DROPPED_STATIC_FILE)


@pytest.fixture(autouse=True)
def _browser_marker(request):
    request.node.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config(app_config):
    """Browser tests run with CSRF on, as in production."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free port of 127.0.0.1 for the duration of a test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="session")
def playwright_instance():
    _require_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)

    with sync_playwright() as pw:
        yield pw


@pytest.fixture
def launch_browser(playwright_instance, live_server):
    """Return a function launching Chromium with extra flags (e.g. a fake camera).

    It depends on ``live_server`` so that browsers close before the server stops:
    no request is left half-served holding a database connection.
    """
    launched = []

    def launch(extra_args=()):
        profile = tempfile.mkdtemp(prefix="vaerested-chromium-")
        context = playwright_instance.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS + list(extra_args),
            locale="da-DK",
            viewport={"width": 1280, "height": 900},
        )
        launched.append((context, profile))
        return context

    yield launch
    for context, profile in launched:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(launch_browser, request):
    """A fresh page in a fresh browser profile; a screenshot is saved on failure."""
    context = launch_browser()
    pg = context.pages[0] if context.pages else context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
