#!/usr/bin/env python3
"""Opens the 销控 board in headless chromium (DevTools protocol), signed in, and checks what a
user sees: the live indicator turns on, a change made elsewhere recolours its cell and updates
the totals without a reload, and clicking a cell opens the unit panel. Saves screenshots.
Usage: board-live.py BASE_URL USER PASSWORD OUT_DIR   (needs: chromium, pip websocket-client)"""
import base64, http.client, http.cookiejar, json, os, re, subprocess, sys, tempfile, time, urllib.parse, urllib.request
import websocket

base, user, password, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
u = urllib.parse.urlparse(base)

# Sign in with the web form (CSRF double-submit) to get the session cookie.
jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
page = opener.open(base + "/login").read().decode()
csrf = re.search(r'name="_csrf" value="([^"]*)"', page).group(1)
opener.open(base + "/login", urllib.parse.urlencode({"_csrf": csrf, "username": user, "password": password, "next": "/"}).encode())
session = next(c for c in jar if c.name == "estate_session")

def api(method, path, body=None, token=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    h = {"Content-Type": "application/json", "Accept": "application/json"}
    if token: h["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, h)
    r = c.getresponse(); d = r.read()
    assert r.status < 300, (method, path, r.status, d[:200])
    return json.loads(d) if d else None

token = api("POST", "/api/v1/auth/login", {"username": user, "password": password})["token"]
project = next(p for p in api("GET", "/api/v1/projects", token=token)["items"] if p["code"] == "HXY")["id"]
board = api("GET", f"/api/v1/projects/{project}/board", token=token)
target = next(c for c in board["buildings"][0]["units"] if c["status"] == "available")

profile = tempfile.mkdtemp()
chrome = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-port=9333",
                           f"--user-data-dir={profile}", "--window-size=1500,1200", "about:blank"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(50):
        try:
            tabs = json.load(urllib.request.urlopen("http://127.0.0.1:9333/json")); break
        except Exception: time.sleep(0.2)
    ws = websocket.create_connection(next(t for t in tabs if t["type"] == "page")["webSocketDebuggerUrl"])
    seq = [0]
    def cdp(method, **params):
        seq[0] += 1; ws.send(json.dumps({"id": seq[0], "method": method, "params": params}))
        while True:
            m = json.loads(ws.recv())
            if m.get("id") == seq[0]:
                if "error" in m: raise RuntimeError(m["error"])
                return m.get("result", {})
    def js(expr):
        return cdp("Runtime.evaluate", expression=expr, returnByValue=True)["result"].get("value")
    def shot(name):
        data = cdp("Page.captureScreenshot", format="png")["data"]
        open(os.path.join(out, name), "wb").write(base64.b64decode(data))
    def wait(expr, seconds=5):
        end = time.time() + seconds
        while time.time() < end:
            if js(expr): return True
            time.sleep(0.05)
        return False

    cdp("Network.enable")
    cdp("Network.setCookie", name="estate_session", value=session.value, domain=u.hostname, path="/")
    cdp("Page.enable")
    cdp("Page.navigate", url=f"{base}/projects/{project}/board")
    assert wait("document.readyState === 'complete' && !!document.querySelector('table.board')", 10), "board did not load"
    assert wait("document.getElementById('live').classList.contains('on')"), "live indicator never turned on"
    reserved_before = js("document.querySelector('#board-totals tbody tr td:nth-child(5) strong').textContent")
    shot("board-live.png")

    # A change made elsewhere (the API, as another desk would).
    sent = time.time()
    api("POST", f"/api/v1/projects/{project}/units/{target['id']}/moves",
        {"move": "reserve", "customerName": "浏览器测试", "customerMobile": "13900001111",
         "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400))}, token)
    sel = f"td[data-unit='{target['id']}']"
    assert wait(f"document.querySelector(\"{sel}\").classList.contains('st-reserved')", 3), "cell did not turn reserved"
    seen = time.time() - sent
    expected = str(int(reserved_before) + 1)
    assert wait(f"document.querySelector('#board-totals tbody tr td:nth-child(5) strong').textContent === '{expected}'"), "totals not refreshed"
    shot("board-after-change.png")
    # The panel.
    js(f"document.querySelector(\"{sel} a\").click()")
    assert wait("!document.getElementById('unit-panel').hidden && document.getElementById('unit-panel').textContent.includes('浏览器测试')"), "panel did not open"
    shot("board-panel.png")
    print(f"board in chromium: live on; a reservation made through the API recoloured its cell after {seen * 1000:.0f} ms "
          f"and the reserved total went {reserved_before} → {expected} without a reload; the unit panel opened with the customer")
finally:
    chrome.terminate()
