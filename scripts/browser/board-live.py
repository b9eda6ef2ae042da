#!/usr/bin/env python3
"""Opens the 销控 board in headless chromium (DevTools protocol), signed in, and checks what a
user sees: the live indicator turns on, a change made elsewhere recolours its cell and updates
the totals without a reload, and clicking a cell opens the unit panel. Saves screenshots.
Usage: board-live.py BASE_URL USER PASSWORD OUT_DIR   (needs: chromium, pip websocket-client)"""
import http.client, json, os, sys, time, urllib.parse
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, web_session

base, user, password, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
u = urllib.parse.urlparse(base)
session = web_session(base, user, password)

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

b = Browser(base, session)
try:
    js, wait, cdp = b.js, b.wait, b.cdp
    def shot(name): b.shot(os.path.join(out, name))

    b.open(f"/projects/{project}/board", "!!document.querySelector('table.board')")
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
    b.close()
