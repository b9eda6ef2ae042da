#!/usr/bin/env python3
"""Two server processes, one PostgreSQL database: a change made through one must reach a
board viewer connected to the other within a second (LISTEN/NOTIFY), and the other's
board JSON must show it. Runs against the demo users (admin sets up, the GM controls).
Usage: live-board-check.py URL_A URL_B PASSWORD"""
import http.client, json, sys, threading, time, urllib.parse, uuid

a, b, password = sys.argv[1], sys.argv[2], sys.argv[3]

def call(base, method, path, body=None, token=None):
    u = urllib.parse.urlparse(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token: headers["Authorization"] = "Bearer " + token
    c.request(method, path, json.dumps(body) if body is not None else None, headers)
    r = c.getresponse(); data = r.read()
    if r.status >= 300: raise SystemExit(f"{method} {path} -> {r.status} {data[:300]!r}")
    return json.loads(data) if data else None

admin = call(a, "POST", "/api/v1/auth/login", {"username": "admin", "password": password})["token"]
token = call(b, "POST", "/api/v1/auth/login", {"username": "general-manager", "password": password})["token"]
code = "LV" + uuid.uuid4().hex[:6].upper()
p = call(a, "POST", "/api/v1/projects", {"code": code, "name": "直播测试", "city": "成都"}, admin)["id"]
call(a, "POST", f"/api/v1/projects/{p}/layouts", {"name": "A户型"}, admin)
call(a, "POST", f"/api/v1/projects/{p}/buildings", {"name": "1号楼", "floors": 2}, admin)
unit = call(a, "POST", f"/api/v1/projects/{p}/units", {"building": "1号楼", "floor": 1, "room": "01", "layout": "A户型",
                                                        "builtArea": "100.00", "unitPrice": "20000"}, admin)["id"]
call(a, "POST", f"/api/v1/projects/{p}/releases", {"name": "首开", "unitIds": [unit]}, token)

events, ready, conns = [], threading.Event(), []
def listen():
    u = urllib.parse.urlparse(b)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conns.append(c)
    c.request("GET", f"/api/v1/projects/{p}/board/events", headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
    r = c.getresponse()
    assert r.status == 200, r.status
    ready.set()
    buf = b""
    while True:
        try:
            chunk = r.read1(4096) if hasattr(r, "read1") else r.read(1)
        except (OSError, ValueError, AttributeError):
            return
        if not chunk: return
        buf += chunk
        while b"\n\n" in buf:
            block, buf = buf.split(b"\n\n", 1)
            events.append((time.perf_counter(), block.decode()))
threading.Thread(target=listen, daemon=True).start()
if not ready.wait(10): raise SystemExit("no event stream from B")
time.sleep(0.5)  # B's LISTEN connection is up long before; this lets the stream settle

sent = time.perf_counter()
call(a, "POST", f"/api/v1/projects/{p}/units/{unit}/moves", {"move": "withhold", "reason": "双进程测试"}, token)
deadline = sent + 5
hit = None
while time.perf_counter() < deadline and hit is None:
    for at, block in list(events):
        if "event: cells" in block and unit.upper() in block.upper() and "withheld" in block:
            hit = at; break
    time.sleep(0.01)
if hit is None:
    raise SystemExit(f"B's viewer did not hear the change within 5 s; events: {[e[1][:80] for e in events]}")
board = call(b, "GET", f"/api/v1/projects/{p}/board", token=token)
status = [c["status"] for bl in board["buildings"] for c in bl["units"] if c["id"].upper() == unit.upper()]
if status != ["withheld"]: raise SystemExit(f"B's board shows {status}")
# A viewer that goes away must not hurt the server that was streaming to it.
conns[0].sock.close()
time.sleep(0.2)
call(a, "POST", f"/api/v1/projects/{p}/units/{unit}/moves", {"move": "unwithhold", "reason": "关闭后"}, token)
time.sleep(0.5)
call(b, "GET", "/health")
print(f"live board across two processes: change on A heard by a viewer on B after {(hit - sent) * 1000:.0f} ms; B's board agrees")
if hit - sent > 1.0: raise SystemExit("slower than the one-second goal")
