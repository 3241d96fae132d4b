"""CORS from a real browser: a page served from another origin (its own
small server on http://localhost:<other port>) calls ddbd on
http://127.0.0.1:<port> with the AWS SDK for JavaScript v3, bundled for the
browser with esbuild, in headless Chromium.  The SDK's requests carry headers
that make Chromium send a preflight first, and the page can only read an
answer, its request id and its x-amz-crc32 if ddbd's CORS headers allow it.

Skips, with the reason, when Chromium, Node.js or the npm packages of
tests/js (scripts/install-deps.sh installs them) are missing, or when Chromium
cannot start here (it never loads the page).  Once the page has loaded, a
missing or wrong result fails.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import REPO, free_port

JS = REPO / "tests" / "js"
ESBUILD = JS / "node_modules" / ".bin" / "esbuild"
LOAD_TIMEOUT = 60.0
RESULT_TIMEOUT = 60.0


def chromium_binary():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class PageServer:
    """Serves the page and its bundle, and takes what the page posts back."""

    def __init__(self, bundle):
        self.bundle = bundle
        self.loaded = threading.Event()
        self.done = threading.Event()
        self.result = None
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def send(self, status, ctype, body):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path.startswith("/index.html"):
                    self.send(200, "text/html", b"<!doctype html><title>ddbd CORS</title>"
                              b"<script src=\"/bundle.js\"></script>")
                elif self.path == "/bundle.js":
                    self.send(200, "text/javascript", owner.bundle)
                else:
                    self.send(404, "text/plain", b"no")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path == "/loaded":
                    owner.loaded.set()
                elif self.path == "/result":
                    owner.result = json.loads(body)
                    owner.done.set()
                self.send(200, "text/plain", b"ok")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed (scripts/install-deps.sh installs it)")
    if not ESBUILD.exists() or not (JS / "node_modules" / "@aws-sdk" / "client-dynamodb").exists():
        pytest.skip("the npm packages of tests/js are not installed (scripts/install-deps.sh)")
    out = tmp_path_factory.mktemp("bundle") / "bundle.js"
    subprocess.run([str(ESBUILD), "cors_page.js", "--bundle", "--platform=browser",
                    "--format=iife", "--target=es2020", "--log-level=error",
                    "--outfile=" + str(out)], cwd=JS, check=True, timeout=120)
    return out.read_bytes()


def run_page(tmp_path, bundle, endpoint, table):
    """Loads the page in headless Chromium; what it posted back."""
    chromium = chromium_binary()
    if not chromium:
        pytest.skip("Chromium is not installed (Debian's chromium package)")
    page = PageServer(bundle)
    # "localhost" and another port: an origin other than ddbd's 127.0.0.1:<port>
    url = "http://localhost:%d/index.html?endpoint=%s&table=%s" % (page.port, endpoint, table)
    profile = tmp_path / "profile"
    log = open(tmp_path / "chromium.log", "wb")
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
         "--user-data-dir=" + str(profile), url],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT
        while not page.loaded.wait(0.2):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                tail = (tmp_path / "chromium.log").read_text(errors="replace")[-600:]
                pytest.skip("Chromium cannot start or load a page here (exit %s): %s"
                            % (proc.poll(), tail.strip() or "no output"))
        assert page.done.wait(RESULT_TIMEOUT), "the page loaded but posted no result"
        return page.result
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)
        log.close()
        page.close()


def test_sdk_for_javascript_from_another_origin(server, make_table, tmp_path, bundle):
    table = make_table()
    result = run_page(tmp_path, bundle, server.endpoint, table)
    assert "crashed" not in result, result
    assert result["origin"].startswith("http://localhost:")
    request_id = re.compile(r"^[A-Z0-9]{52}$")

    put = result["put"]
    assert "ok" in put, put
    assert put["ok"]["status"] == 200 and request_id.match(put["ok"]["requestId"])

    got = result["get"]
    assert "ok" in got, got
    assert got["ok"]["pk"] == "from-the-browser"
    assert got["ok"]["n"] == "42.5"
    assert got["ok"]["b"] == [0, 1, 2, 255]
    assert got["ok"]["l"] == [{"S": "x"}, {"BOOL": True}]
    # the request id comes from x-amzn-RequestId: readable only if exposed
    assert request_id.match(got["ok"]["requestId"])
    assert got["ok"]["requestId"] != put["ok"]["requestId"]

    assert table in result["list"]["ok"]["names"]

    missing = result["missing"]
    assert "error" in missing, missing
    assert missing["error"]["name"] == "ResourceNotFoundException"
    assert missing["error"]["message"] == (
        "Requested resource not found: Table: %s-no-such-table not found" % table)
    assert missing["error"]["status"] == 400
    assert request_id.match(missing["error"]["requestId"])

    raw = result["raw"]
    assert "ok" in raw, raw
    assert raw["ok"]["status"] == 200 and raw["ok"]["tableName"] == table
    assert request_id.match(raw["ok"]["requestId"] or "")
    assert raw["ok"]["date"] and raw["ok"]["date"].endswith(" GMT")
    assert raw["ok"]["crc32"] == raw["ok"]["crc32OfBody"]

    health = result["health"]
    assert health == {"ok": {"status": 200, "body": "healthy: 127.0.0.1:%d " % server.port}}
