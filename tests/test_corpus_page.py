"""`index.html` of `python -m train corpus` in headless Chromium, offline.

How "no request left the machine" is checked, twice over:

1. Chromium is driven through the DevTools protocol over a pipe (`--remote-debugging-pipe`:
   JSON messages on file descriptors 3 and 4, no port, no extra package). With the Network
   domain enabled, every request the page makes is reported (`Network.requestWillBeSent`),
   whatever its scheme and whether or not it could succeed. The page may only load its own
   `file:` URL (and `data:`/`blob:`/`about:` URLs, which never leave the process).
2. Every connection goes to a local recording proxy (`--proxy-server`, with `<-loopback>`
   so even localhost goes through it), and `--host-resolver-rules` makes every other host
   name unresolvable. This also sees requests made outside the page: Chromium itself still
   calls a few of Google's service hosts in headless mode (component updates, account
   checks) whatever the flags; those (`BROWSER_SERVICE_HOSTS`, matched by domain suffix) are
   the only requests the proxy may record, and since the page's own requests, to Google or
   anywhere, are all reported by the DevTools protocol (check 1), none of them can hide there.

A control page that does request an outside image and script proves that both recorders see
requests; the corpus page is then checked for none. The screenshot must not be blank, and
the DOM must hold the map's and the network's drawn points. Skipped when no Chromium is
installed (the reason says so).
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time

import pytest
from helpers import png_colours

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
if CHROMIUM is None and os.path.exists("/usr/bin/chromium"):
    CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium, chromium-browser or google-chrome on PATH "
                                 "(.ci/setup installs Debian's chromium where apt can)")]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
BROWSER_SERVICE_HOSTS = (".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com")


def proxied_host(line: str) -> str:
    """The host of a proxied request line ("CONNECT host:443 ..." or "GET http://host/... ...")."""
    parts = line.split()
    target = parts[1] if len(parts) > 1 else ""
    target = target.split("://", 1)[-1]
    return target.split("/", 1)[0].rsplit(":", 1)[0].lower()


def not_the_browsers_own(lines: list[str]) -> list[str]:
    """The proxied requests that are not Chromium's calls to its own service hosts."""
    return [line for line in lines if not ("." + proxied_host(line)).endswith(BROWSER_SERVICE_HOSTS)]


class RecordingProxy:
    """A TCP listener on 127.0.0.1 that records the first line of every connection that sends
    one (an HTTP request line or CONNECT) and answers 403."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.lines: list[str] = []
        self.silent = 0
        """Connections that sent nothing: no request line, so nothing left through them."""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(4096)
                except OSError:
                    data = b""
                if not data:  # a connection opened ahead of need (Chromium preconnects) and closed unused
                    self.silent += 1
                    continue
                self.lines.append(data.split(b"\r\n", 1)[0].decode("latin-1"))
                try:
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def close(self):
        self.server.close()


class DevTools:
    """Chromium driven over `--remote-debugging-pipe` (fd 3: commands in, fd 4: replies out)."""

    def __init__(self, profile, proxy_port: int, size=(1400, 1500)):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()  # fds 3 and 4 are surely open now

        def wire():
            r, w = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(r, 3)
            os.dup2(w, 4)

        command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                   f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}", "--hide-scrollbars",
                   f"--proxy-server=http://127.0.0.1:{proxy_port}", "--proxy-bypass-list=<-loopback>",
                   "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--no-first-run", "--no-default-browser-check",
                   "--disable-default-apps", "--disable-domain-reliability", "--no-pings", "--metrics-recording-only",
                   "--disable-client-side-phishing-detection", "--disable-features=OptimizationHints,MediaRouter,"
                   "Translate,AutofillServerCommunication,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying",
                   "about:blank"]
        self.process = subprocess.Popen(command, pass_fds=(3, 4), preexec_fn=wire, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer, self.next_id, self.events = b"", 0, []

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout=60.0) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_browser], [], [], left)[0]:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open(self, url: str) -> str:
        """A new tab with network and page events on; navigates to `url`; returns the session."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.send("Network.enable", session=session)
        self.send("Page.enable", session=session)
        self.send("Page.navigate", {"url": url}, session=session)
        return session

    def evaluate(self, expression: str, session: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, session: str, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression, session)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"{expression} stayed false")

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def close(self):
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.to_browser)
        os.close(self.from_browser)


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory):
    """index.html of the hand-made example of tests/test_corpus.py (built here)."""
    from test_corpus import build_example_outputs

    return build_example_outputs(tmp_path_factory.mktemp("page")) / "index.html"


@pytest.fixture()
def browser(tmp_path):
    proxy = RecordingProxy()
    tools = DevTools(tmp_path / "profile", proxy.port)
    yield tools, proxy
    tools.close()
    proxy.close()


def test_the_recorders_see_a_page_that_goes_online(browser, tmp_path):
    tools, proxy = browser
    page = tmp_path / "online.html"
    page.write_text('<html><body><img src="http://example.invalid/x.png"><script src="https://cdn.example.invalid/y.js">'
                    '</script><script>fetch("http://example.invalid/z").catch(() => 0)</script></body></html>',
                    encoding="utf-8")
    session = tools.open(page.as_uri())
    tools.wait_for("document.readyState === 'complete'", session)
    time.sleep(1.0)
    tools.evaluate("1", session)  # collect the events that arrived meanwhile
    outside = [u for u in tools.requested_urls() if not u.startswith(LOCAL_SCHEMES)]
    assert any("example.invalid/x.png" in u for u in outside)
    assert any("cdn.example.invalid/y.js" in u for u in outside)
    assert any(proxied_host(line) == "example.invalid" for line in not_the_browsers_own(proxy.lines)), proxy.lines


def test_corpus_page_draws_offline(browser, corpus_page, tmp_path):
    tools, proxy = browser
    session = tools.open(corpus_page.as_uri())
    tools.wait_for("document.body && document.body.dataset.rendered === 'yes'", session)
    drawn = tools.evaluate("""({
        mapSvg: document.querySelectorAll('#map svg.main-svg').length,
        mapPoints: document.querySelectorAll('#map .scatterlayer .trace .points path').length,
        networkPoints: document.querySelectorAll('#network .scatterlayer .trace .points path').length,
        networkLines: document.querySelectorAll('#network .scatterlayer .trace .js-line').length,
        body: Object.assign({}, document.body.dataset)})""", session)
    shot = base64.b64decode(tools.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"])
    (tmp_path / "corpus_page.png").write_bytes(shot)
    tools.evaluate("1", session)
    assert drawn["mapSvg"] >= 1
    assert drawn["mapPoints"] >= int(drawn["body"]["mapPoints"]) > 0
    assert int(drawn["body"]["networkEdges"]) > 0 and drawn["networkLines"] > 0
    assert drawn["networkPoints"] >= int(drawn["body"]["networkNodes"]) > 0
    assert len(png_colours(shot, step=7)) > 30, "the screenshot is (nearly) blank"
    outside = [u for u in tools.requested_urls() if not u.startswith(LOCAL_SCHEMES)]
    assert outside == [], outside
    assert not_the_browsers_own(proxy.lines) == [], proxy.lines
