"""Headless Chromium over the DevTools protocol, for the report tests.

Debian's chromium, started with a fresh profile and --remote-debugging-port=0; the port
is read from DevToolsActivePort in the profile. One page target, driven over its
WebSocket with python3-websocket. Use it as a context manager: the browser is killed and
its profile removed on leaving, also when a test fails."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket

CHROMIUM = "/usr/bin/chromium"


class Browser:
    def __init__(self, width=1280, height=1000):
        self.width, self.height = width, height
        self.proc = None
        self.profile = None
        self.ws = None
        self.next_id = 0
        self.events = []

    def __enter__(self):
        """Starts the browser; one that does not come up (a hang on a loaded machine) is
        stopped and its profile removed, and the start fails as a dead browser does, so that
        retrying() starts again."""
        try:
            return self._start()
        except BaseException as e:
            self.__exit__(type(e), e, None)
            raise

    def _start(self):
        self.profile = tempfile.mkdtemp(prefix="nvchrome-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
             f"--window-size={self.width},{self.height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.profile, "chromium.log"), "wb"))
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(port_file):
                lines = open(port_file).read().split("\n")
                if len(lines) >= 2 and lines[0].strip():
                    break
            if self.proc.poll() is not None:
                raise BrowserStartError("chromium exited at start")
            time.sleep(0.05)
        else:
            raise BrowserStartError("chromium did not start within 60 s")
        port = int(lines[0])
        # The port is open before the first page target exists: on a busy machine, wait for it.
        page = None
        while page is None and time.time() < deadline:
            targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
            page = next((t for t in targets if t["type"] == "page"), None)
            if page is None:
                time.sleep(0.05)
        if page is None:
            raise BrowserStartError("chromium opened no page within 60 s")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        return self

    def __exit__(self, *exc):
        if exc[0] is not None and self.profile:
            # What the browser said, for a failure that is its own (a crash).
            try:
                tail = open(os.path.join(self.profile, "chromium.log"), errors="replace").read()[-2000:]
                print("chromium's last words:\n" + tail, file=sys.stderr)
            except OSError:
                pass
        try:
            if self.ws:
                self.ws.close()
        finally:
            if self.proc:
                self.proc.kill()
                self.proc.wait()
            if self.profile:
                shutil.rmtree(self.profile, ignore_errors=True)
        return False

    def send(self, method, **params):
        """Calls a DevTools method and returns its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, method, timeout=30):
        for i, e in enumerate(self.events):
            if e["method"] == method:
                return self.events.pop(i)
        deadline = time.time() + timeout
        self.ws.settimeout(timeout)
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise RuntimeError(f"no {method} within {timeout} s")

    def open(self, path):
        """Loads a local file and waits for its load event."""
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Runtime.enable")
        # A load the page's Content-Security-Policy blocks sends no request: record the
        # violation, so that a test sees the attempt too.
        self.send("Page.addScriptToEvaluateOnNewDocument", source=(
            "window.__blocked = [];"
            "document.addEventListener('securitypolicyviolation', function (e) {"
            " window.__blocked.push(e.blockedURI || e.violatedDirective); });"))
        self.send("Emulation.setDeviceMetricsOverride", width=self.width, height=self.height,
                  deviceScaleFactor=1, mobile=False)
        self.send("Page.navigate", url="file://" + os.path.abspath(path))
        self.wait_event("Page.loadEventFired")

    def js(self, expr):
        """Evaluates expr in the page; returns its value (JSON-able), raising on an exception."""
        r = self.send("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(f"{expr}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def mouse_move(self, x, y):
        self.send("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)

    def key(self, key, code, vk):
        for t in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", type=t, key=key, code=code, windowsVirtualKeyCode=vk)

    def screenshot(self, path, full_page=False):
        params = {"format": "png"}
        if full_page:
            m = self.send("Page.getLayoutMetrics")
            size = m["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
        data = self.send("Page.captureScreenshot", **params)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requests(self):
        """Every URL the page asked for so far (Network.requestWillBeSent), and every load
        its Content-Security-Policy blocked (as "blocked:" and the URL)."""
        blocked = self.js("window.__blocked || []")
        return [e["params"]["request"]["url"] for e in self.events
                if e["method"] == "Network.requestWillBeSent"] + ["blocked:" + u for u in blocked]


class BrowserStartError(ConnectionError):
    """Chromium did not come up: retried like a browser that died."""


def retrying(fn):
    """Runs fn(), and once more from the start when the browser itself dies (its DevTools
    connection drops: a crash of Chromium on a loaded machine), forgetting the checks of
    the first attempt. A failed check is not retried: it fails the test."""
    import nvcli
    n_checks, n_failures = nvcli._checks[0], len(nvcli._failures)
    try:
        return fn()
    except (websocket.WebSocketConnectionClosedException, ConnectionError) as e:
        print(f"note: the browser died ({e!r}); running {fn.__name__} once more", file=sys.stderr)
        nvcli._checks[0] = n_checks
        del nvcli._failures[n_failures:]
        return fn()


def retried(fn):
    """Decorator (under nvcli's @case): fn run through retrying."""
    def run():
        return retrying(fn)
    run.__name__ = fn.__name__
    return run


# ---- helpers for report.html ----

# Finds a point inside a municipality's path (its bounding box's centre if that hits it,
# else the first hit of a grid over the box), in CSS pixels of the viewport.
FIND_POINT = """(function (code) {
  var p = document.querySelector('#munis path[data-kommunkod="' + code + '"]');
  p.scrollIntoView({block: 'center'});
  var r = p.getBoundingClientRect();
  for (var n = 1; n <= 16; n *= 2)
    for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) {
      var x = r.left + r.width * (i + 0.5) / n, y = r.top + r.height * (j + 0.5) / n;
      if (document.elementFromPoint(x, y) === p) return [x, y];
    }
  return null;
})"""


def hover(b, code):
    pt = b.js(FIND_POINT + f"('{code}')")
    if pt is None:
        return None
    b.mouse_move(pt[0], pt[1])
    return b.js("(function(){var t=document.getElementById('tooltip');return t.hidden?null:t.innerText;})()")


def fills(b):
    return b.js("Array.prototype.map.call(document.querySelectorAll('#munis path'),"
                "function(p){return [p.getAttribute('data-kommunkod'), p.getAttribute('fill')];})")


def column(b, table, col):
    return b.js(f"Array.prototype.map.call(document.querySelectorAll('#{table} tbody tr'),"
                f"function(r){{return [r.cells[{col}].getAttribute('data-v'), r.cells[{col}].textContent];}})")


def click_header(b, table, label):
    pt = b.js(f"""(function(){{var h = Array.prototype.find.call(document.querySelectorAll('#{table} th'),
        function(h){{return h.textContent.indexOf({label!r}) === 0;}});
        h.scrollIntoView({{block: 'center'}}); var r = h.getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2, h.cellIndex];}})()""")
    for t in ("mousePressed", "mouseReleased"):
        b.send("Input.dispatchMouseEvent", type=t, x=pt[0], y=pt[1], button="left", clickCount=1)
    return pt[2]
