"""A signed-in headless chromium driven through the DevTools protocol (no webdriver needed).
Used by the page checks in this folder. Needs: chromium, pip websocket-client."""
import base64, http.cookiejar, json, os, re, subprocess, tempfile, time, urllib.parse, urllib.request
import websocket


def web_session(base, user, password):
    """Signs in with the web form (CSRF double-submit) and returns the session cookie value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="_csrf" value="([^"]*)"', page).group(1)
    opener.open(base + "/login", urllib.parse.urlencode({"_csrf": csrf, "username": user, "password": password, "next": "/"}).encode())
    return next(c for c in jar if c.name == "estate_session").value


class Browser:
    def __init__(self, base, session, port=9333, width=1500, height=1200, lang="zh-CN"):
        self.base = base
        self.profile = tempfile.mkdtemp()
        self.proc = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--remote-debugging-port={port}",
                                      f"--user-data-dir={self.profile}", f"--window-size={width},{height}", f"--lang={lang}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                tabs = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json")); break
            except Exception:
                time.sleep(0.1)
        self.ws = websocket.create_connection(next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"])
        self.seq = 0
        host = urllib.parse.urlparse(base).hostname
        self.cdp("Network.enable")
        self.cdp("Network.setExtraHTTPHeaders", headers={"Accept-Language": lang})
        self.cdp("Network.setCookie", name="estate_session", value=session, domain=host, path="/")
        self.cdp("Page.enable")
        self.cdp("DOM.enable")

    def cdp(self, method, **params):
        self.seq += 1
        self.ws.send(json.dumps({"id": self.seq, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv())
            if m.get("id") == self.seq:
                if "error" in m: raise RuntimeError(m["error"])
                return m.get("result", {})

    def js(self, expr):
        return self.cdp("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)["result"].get("value")

    def wait(self, expr, seconds=5):
        end = time.time() + seconds
        while time.time() < end:
            if self.js(expr): return True
            time.sleep(0.05)
        return False

    def open(self, path, ready="true"):
        self.cdp("Page.navigate", url=self.base + path)
        assert self.wait(f"document.readyState === 'complete' && ({ready})", 10), f"{path} did not load"

    def shot(self, path):
        open(path, "wb").write(base64.b64decode(self.cdp("Page.captureScreenshot", format="png")["data"]))

    def set_file(self, selector, file_path):
        root = self.cdp("DOM.getDocument")["root"]["nodeId"]
        node = self.cdp("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        self.cdp("DOM.setFileInputFiles", files=[file_path], nodeId=node)

    def close(self):
        self.proc.terminate()
