#!/usr/bin/env python3
"""HTML reports in a real browser: Debian's chromium, headless, driven through
the DevTools protocol over a pipe (--remote-debugging-pipe: no port, no
websocket library, nothing fetched).

browser_test.py CRASHCTL SOURCE_DIR OUT_DIR

Writes the reports of a crash text, a core and a triage run to OUT_DIR, loads
each from file:// and checks the DOM against crashctl's JSON of the same
input: verdict class, culprit, group and goroutine counts, that search and
the state filter narrow the groups, that a group's frames are built only when
it is expanded, that the page reads with scripts off and makes no request.
Screenshots are kept in OUT_DIR. Exits 77 (skipped) only when chromium is not
installed and cannot be.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

failures = []
if len(sys.argv) > 1 and sys.argv[1] == "--load":
    crashctl = src = out = None  # browser_test.py --load PAGE...: time each page's load
else:
    crashctl, src, out = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(out, exist_ok=True)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


chromium = find_chromium()
if not chromium and os.environ.get("CRASHCTL_BROWSER_NO_INSTALL") != "1":
    # The test's own setup: Debian's package, never a downloaded browser build.
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "chromium"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    chromium = find_chromium()
if not chromium:
    print("SKIP: chromium is not installed and apt-get could not install it (scripts/setup.sh installs it)")
    sys.exit(77)


class Browser:
    """Chromium with the DevTools protocol on fds 3 (to it) and 4 (from it)."""

    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="crashctl-chromium-")
        to_r, self.to_w = os.pipe()
        self.from_r, from_w = os.pipe()

        def fds():
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars", "--mute-audio",
                 "--remote-debugging-pipe", "--user-data-dir=" + self.profile, "about:blank"]
        self.proc = subprocess.Popen([chromium] + flags, preexec_fn=fds, pass_fds=(3, 4, to_r, from_w),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_r)
        os.close(from_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.call(domain + ".enable", session=True)

    def send(self, method, params=None, session=False):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b"\0")
        return self.next_id

    def read(self, timeout=60):
        deadline = time.time() + timeout
        while b"\0" not in self.buf:
            if time.time() > deadline:
                raise TimeoutError("no answer from chromium")
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise EOFError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=False, timeout=120):
        want = self.send(method, params, session or method.split(".")[0] not in ("Target", "Browser"))
        while True:
            msg = self.read(timeout)
            if msg.get("id") == want:
                if "error" in msg:
                    raise RuntimeError(method + ": " + json.dumps(msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_event(self, name, timeout=120):
        deadline = time.time() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == name:
                    return self.events.pop(i)
            self.events.append(self.read(max(1, deadline - time.time())))

    def load(self, path, scripts=True):
        self.call("Emulation.setScriptExecutionDisabled", {"value": not scripts})
        self.events.clear()
        start = time.time()
        self.call("Page.navigate", {"url": "file://" + os.path.abspath(path)})
        self.wait_event("Page.loadEventFired")
        return time.time() - start

    def js(self, expression):
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("js: " + expression + ": " + json.dumps(r["exceptionDetails"])[:400])
        return r["result"].get("value")

    def requests(self):
        return [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]

    def screenshot(self, path, width=1100, height=760):
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        import base64
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.call("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


def run(args, path):
    with open(path, "wb") as f:
        subprocess.run([crashctl] + args, stdout=f, check=False, cwd=src)  # inputs named relative to src
    return path


def analyze(name, args):
    """The HTML and JSON of one input, the JSON parsed."""
    html = run(["analyze", "-f", "html"] + args, os.path.join(out, name + ".html"))
    js = run(["analyze", "-f", "json"] + args, os.path.join(out, name + ".json"))
    with open(js) as f:
        return html, json.load(f)["inputs"][0]["reports"][0]


def check_report(b, name, html, report):
    elapsed = b.load(html)
    print("     %s: loaded in %.2f s (%d bytes)" % (name, elapsed, os.path.getsize(html)))
    check(b.requests() == ["file://" + os.path.abspath(html)], name + ": the page requests nothing but itself")
    v = report["verdict"]
    check(b.js("document.querySelector('article.report .verdict .cls').textContent") == v["class"],
          name + ": verdict class " + v["class"])
    if v["culprit"]:
        check(b.js("document.querySelector('article.report .verdict .culprit .fn').textContent") ==
              v["culprit"]["function"], name + ": culprit " + v["culprit"]["function"])
        check(b.js("document.querySelector('.crashing li.culprit .fn') ? "
                   "document.querySelector('.crashing li.culprit .fn').textContent : ''") == v["culprit"]["function"],
              name + ": the culprit's frame is marked in the crashing goroutine")
    groups = report["groups"]
    total = sum(g["count"] for g in groups)
    check(b.js("+document.querySelector('section.groups').dataset.groups") == len(groups),
          name + ": %d groups" % len(groups))
    check(b.js("+document.querySelector('section.groups').dataset.goroutines") == total,
          name + ": %d goroutines" % total)
    shown = b.js("document.querySelectorAll('.group-list details.group').length")
    check(shown == min(200, len(groups)), name + ": %d group rows built, no more" % shown)
    check(b.js("document.querySelectorAll('.group-list ol.frames').length") == 0,
          name + ": no group's frames before it is expanded")
    counts = b.js("[...document.querySelectorAll('.group-list .count')].map(e => parseInt(e.textContent))")
    check(counts == [g["count"] for g in groups][:200], name + ": group counts as in the JSON")
    # Expanding a group builds its frames, then.
    b.js("(() => { const d = document.querySelector('.group-list details.group'); d.open = true; })()")
    time.sleep(0.2)
    frames = b.js("document.querySelector('.group-list details.group ol.frames') ? "
                  "document.querySelectorAll('.group-list details.group:first-child ol.frames li').length : -1")
    first = [g for g in report["goroutines"] if g["id"] == groups[0]["goroutine_ids"][0]]
    want = len(first[0]["frames"]) if first else -1
    check(frames == want, name + ": the expanded group lists its %d frames (%s)" % (want, frames))
    # Search narrows the groups to those with the function.
    if len(groups) > 1:
        target = None
        for g in reversed(groups):
            if g["site"]:
                target = g["site"]["function"]
                break
        b.js("(() => { const q = document.querySelector('input.search'); q.value = %s; "
             "q.dispatchEvent(new Event('input')); })()" % json.dumps(target))
        hits = b.js("document.querySelectorAll('.group-list details.group').length")
        want = sum(1 for g in groups if g["site"] and target.lower() in g["site"]["function"].lower())
        check(0 < hits <= len(groups) and hits >= want, name + ": search %r shows %d groups" % (target, hits))
        b.js("(() => { const q = document.querySelector('input.search'); q.value = 'no-such-function-xyz'; "
             "q.dispatchEvent(new Event('input')); })()")
        check(b.js("document.querySelectorAll('.group-list details.group').length") == 0,
              name + ": search for a missing function shows no group")
        check(b.js("document.querySelector('.group-ui .shown').textContent").startswith("0 of"),
              name + ": the count says 0 of them")
        b.js("(() => { const q = document.querySelector('input.search'); q.value = ''; "
             "q.dispatchEvent(new Event('input')); })()")
        # The state filter keeps one state.
        state = b.js("document.querySelector('select.state').options[1].textContent.replace(/ \\(\\d+\\)$/, '')")
        b.js("(() => { const s = document.querySelector('select.state'); s.value = s.options[1].value; "
             "s.dispatchEvent(new Event('change')); })()")
        states = b.js("[...document.querySelectorAll('.group-list .state')].map(e => e.textContent)")
        check(states and all(s.startswith("[" + state) for s in states),
              name + ": the state filter %r keeps only that state (%d groups)" % (state, len(states)))
        b.js("(() => { const s = document.querySelector('select.state'); s.value = ''; "
             "s.dispatchEvent(new Event('change')); })()")
    # Scripts off: the verdict and a static list of groups still read.
    b.load(html, scripts=False)
    check(b.js("document.querySelector('.verdict .cls').textContent") == v["class"],
          name + ": with scripts off the verdict is there")
    check(b.js("document.querySelectorAll('.static-groups li').length") == min(len(groups), 100) +
          (1 if len(groups) > 100 else 0), name + ": with scripts off the groups are listed")
    b.load(html)


def main():
    fx = "testdata"  # relative to src, where crashctl runs: the pages name no machine's paths
    b = Browser()
    try:
        # A crash text with many goroutine groups.
        html, report = analyze("crash-text", [os.path.join(fx, "fixtures/go1.26.8/many-goroutines.txt.zst")])
        check_report(b, "crash text", html, report)
        b.screenshot(os.path.join(out, "crash-text.png"))

        # A core with its executable: defers, panics, leak suspects.
        core = os.path.join(fx, "cores/go1.26.8/goroutine-leak.core.zst")
        exe = os.path.join(fx, "cores/go1.26.8/scenarios-core.exe.zst")
        html, report = analyze("core", [core, "--exe", exe])
        check_report(b, "core", html, report)
        if report["verdict"]["leak_suspects"]:
            check(b.js("document.querySelectorAll('section.leaks li.leak').length") ==
                  min(20, report["verdict"]["leak_suspects"]), "core: leak suspects listed")
        crashing = [g for g in report["goroutines"] if g["id"] == report["verdict"]["goroutine"]]
        if crashing and crashing[0]["defers"]:
            check(b.js("document.querySelectorAll('.crashing table.defers tr').length") ==
                  len(crashing[0]["defers"]) + 1, "core: the crashing goroutine's defers")
        b.screenshot(os.path.join(out, "core.png"))
        html, report = analyze("core-panic", [os.path.join(fx, "cores/go1.26.8/nested-panic.core.zst"), "--exe", exe])
        b.load(html)
        check(b.js("document.querySelectorAll('table.panics tr').length") == len(report["panics"]) + 1,
              "core: the panic chain (%d panics)" % len(report["panics"]))
        b.screenshot(os.path.join(out, "core-panic.png"))

        # A triage run over the fixtures of one release.
        tri = run(["triage", "-f", "html", os.path.join(fx, "fixtures/go1.26.8")], os.path.join(out, "triage.html"))
        tj = run(["triage", "-f", "json", os.path.join(fx, "fixtures/go1.26.8")], os.path.join(out, "triage.json"))
        with open(tj) as f:
            table = json.load(f)
        b.load(tri)
        check(b.requests() == ["file://" + os.path.abspath(tri)], "triage: the page requests nothing but itself")
        rows = b.js("document.querySelectorAll('tr.bucket').length")
        check(rows == len(table["buckets"]), "triage: %d buckets" % rows)
        counts = b.js("[...document.querySelectorAll('tr.bucket .count')].map(e => +e.textContent)")
        check(counts == [bk["count"] for bk in table["buckets"]], "triage: bucket counts as in the JSON")
        first = table["buckets"][0]
        b.js("document.querySelector('tr.files details.files').open = true")
        check(b.js("document.querySelectorAll('tr.files details.files')[0].querySelectorAll('li').length") ==
              min(1000, len(first["files"])), "triage: a bucket expands to its files")
        b.js("(() => { const q = document.querySelector('input.search'); q.value = %s; "
             "q.dispatchEvent(new Event('input')); })()" % json.dumps(first["class"]))
        visible = b.js("[...document.querySelectorAll('tr.bucket')].filter(r => !r.hidden).length")
        want = sum(1 for bk in table["buckets"] if first["class"] in json.dumps(bk["class"]))
        check(want <= visible < rows, "triage: filter %r keeps %d of %d buckets" % (first["class"], visible, rows))
        b.js("(() => { const q = document.querySelector('input.search'); q.value = ''; "
             "q.dispatchEvent(new Event('input')); })()")
        b.screenshot(os.path.join(out, "triage.png"))
    finally:
        b.close()
    print("screenshots in " + out)
    if failures:
        print("%d checks failed" % len(failures))
        sys.exit(1)


def load_times(pages):
    b = Browser()
    try:
        for page in pages:
            elapsed = b.load(page)
            nodes = b.js("document.getElementsByTagName('*').length")
            groups = b.js("document.querySelectorAll('details.group').length")
            search = b.js("(() => { const q = document.querySelector('input.search'); if (!q) return 0; "
                          "const t = performance.now(); q.value = 'main.'; q.dispatchEvent(new Event('input')); "
                          "return performance.now() - t; })()")
            print("%s: %d bytes, loaded in %.2f s, %d elements (%d group rows); a search takes %.0f ms" %
                  (page, os.path.getsize(page), elapsed, nodes, groups, search))
    finally:
        b.close()


if crashctl is None:
    load_times(sys.argv[2:])
else:
    main()
