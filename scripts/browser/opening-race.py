#!/usr/bin/env python3
"""Opening day in two phone browsers (issue 18): buyer A marks a unit as favourite, buyer B takes it
first; A's page shows it taken without a reload (the shared live update), A's click on it is refused
with "taken, choose another", A chooses another unit and confirms, and the confirmation carries the
event's log hash. Runs against a demo server (`estate serve --demo`): it sets up its own small event
through the staff API (two units of HXY, two 认筹 buyers, registration order, one batch, open now).

usage: opening-race.py BASE_URL OUT_DIR --server-log LOG   (the one-time codes are read from the log)
Needs chromium and pip websocket-client. Exit 0 when every check held; screenshots in OUT_DIR."""
import argparse, datetime, json, os, re, sys, time, urllib.error, urllib.request, uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("base"); ap.add_argument("out"); ap.add_argument("--server-log", required=True)
ap.add_argument("--port", type=int, default=9251)
args = ap.parse_args()
base, out = args.base.rstrip("/"), args.out
os.makedirs(out, exist_ok=True)
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok: failures.append(what)


def api(method, path, token=None, body=None, headers=None):
    h = {"content-type": "application/json", **(headers or {})}
    if token: h["authorization"] = "Bearer " + token
    req = urllib.request.Request(base + "/api/v1" + path, method=method, headers=h,
                                 data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(req) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def must(status_body, *ok):
    status, body = status_body
    if status not in ok: raise SystemExit(f"setup failed: {status} {body}")
    return body


def resident_id(n):
    b = "110105199001%02d%03d" % (1 + n % 12, n % 1000)
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return b + "10X98765432"[sum(int(c) * k for c, k in zip(b, w)) % 11]


# Setup through the staff API.
token = must(api("POST", "/auth/login", body={"username": "sales-manager", "password": "demo1234"}), 200)["token"]
project = next(p["id"] for p in must(api("GET", "/projects", token), 200)["items"] if p["code"] == "HXY")
units = must(api("GET", f"/projects/{project}/units?status=available&perPage=2", token), 200)["items"]
assert len(units) == 2, "the demo has no two available units"
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
iso = lambda d: d.isoformat().replace("+00:00", "Z")
event = must(api("POST", "/openings", token, {"projectId": project, "name": "浏览器选房演练", "orderKind": "registration", "deposit": "50000",
                                             "startsAt": iso(now - datetime.timedelta(minutes=1)), "endsAt": iso(now + datetime.timedelta(hours=1))}), 201)
ev = event["id"]
must(api("POST", f"/openings/{ev}/units", token, {"unitIds": [u["id"] for u in units]}), 200)
run = int(time.time()) % 100000
mobiles = ["1395%07d" % (run * 2 + i) for i in range(2)]
for i, m in enumerate(mobiles):
    must(api("POST", f"/openings/{ev}/registrations", token,
             {"name": ["甲买家", "乙买家"][i], "mobile": m, "idNumber": resident_id(run * 2 + i), "sincerity": "20000", "eligible": True},
             headers={"Idempotency-Key": f"browser-race-{run}-{i}"}), 200, 201)
must(api("POST", f"/openings/{ev}/lottery", token), 200)
must(api("POST", f"/openings/{ev}/batches", token, {"size": 10, "minutes": 60}), 200, 201)
must(api("POST", f"/openings/{ev}/actions", token, {"action": "schedule"}), 200)
must(api("POST", f"/openings/{ev}/actions", token, {"action": "open"}), 200)
x, y = units[0], units[1]
print(f"event {ev}: units {x['code']} (A's favourite, B takes it) and {y['code']}")


def phone(mobile, port, name):
    b = Browser(base, "none", port=port, width=375, height=812)
    b.open("/xf")
    b.js(f"document.querySelector('input[name=mobile]').value='{mobile}'; document.querySelector('input[name=mobile]').form.submit(); true")
    code = None
    for _ in range(50):
        time.sleep(0.2)
        found = re.findall(r"SMS to %s\*\*\*\*%s: .*?(\d{6})" % (mobile[:3], mobile[-4:]), open(args.server_log, encoding="utf-8", errors="replace").read())
        if found: code = found[-1]; break
    assert code, f"no code for {mobile} in the server log"
    b.wait("document.querySelector('input[name=code]') !== null", 5)
    b.js(f"document.querySelector('input[name=code]').value='{code}'; document.querySelector('input[name=code]').form.submit(); true")
    time.sleep(0.5)
    if not b.js("location.pathname").startswith(f"/xf/{ev}".lower()) and not b.js("location.pathname").upper().endswith(ev.upper()):
        b.open(f"/xf/{ev}")
    b.wait(f"document.getElementById('u-{x['id'].upper()}') !== null || document.getElementById('u-{x['id']}') !== null", 5)
    b.shot(os.path.join(out, f"xf-{name}-signed-in.png"))
    return b


def unit_js(u, expr):
    return f"(function(){{var el=document.getElementById('u-{u['id'].upper()}')||document.getElementById('u-{u['id']}'); return el ? ({expr}) : null;}})()"


a = phone(mobiles[0], args.port, "a")
b = phone(mobiles[1], args.port + 1, "b")
try:
    # A marks X as favourite (the page reloads with it first).
    a.js(unit_js(x, "el.querySelector('.xf-favform button').click(), true"))
    a.wait(unit_js(x, "el.classList.contains('xf-fav')"), 5)
    check(a.js(unit_js(x, "el.classList.contains('xf-fav')")) is True, "A's favourite is marked")
    check(a.js(unit_js(x, "el.classList.contains('xf-open')")) is True, "X is open on A's page")
    # B takes X first: choose, then confirm on the hold page.
    b.js(unit_js(x, "el.querySelector('.xf-choose button').click(), true"))
    check(b.wait("location.pathname.indexOf('/selections/') >= 0", 5), "B's choice holds X (the hold page)")
    b.shot(os.path.join(out, "xf-b-hold.png"))
    b.js("document.querySelector('form[action$=\"/confirm\"] button').click(); true")
    check(b.wait("document.body.innerText.indexOf('RG') >= 0", 5), "B's confirmation names the subscription")
    b.shot(os.path.join(out, "xf-b-confirmed.png"))
    # A's page learns it without a reload.
    check(a.wait(unit_js(x, "el.classList.contains('xf-taken')"), 5), "X shows taken on A's page without a reload")
    a.shot(os.path.join(out, "xf-a-sees-taken.png"))
    # A's click on X anyway (a stale page, a fast thumb): the form posts and the server says taken.
    a.js(unit_js(x, "(el.querySelector('.xf-choose button').disabled = false, el.querySelector('.xf-choose').submit(), true)"))
    a.wait("location.search.indexOf('error=') >= 0", 5)
    check("opening_unit_taken" in (a.js("location.search") or ""), "A's click on X is refused: taken, choose another")
    check("选走" in (a.js("document.body.innerText") or ""), "A's page says the unit was just taken")
    a.shot(os.path.join(out, "xf-a-refused.png"))
    # A takes Y and confirms; the confirmation carries the log hash.
    a.js(unit_js(y, "el.querySelector('.xf-choose button').click(), true"))
    check(a.wait("location.pathname.indexOf('/selections/') >= 0", 5), "A's choice holds Y")
    a.js("document.querySelector('form[action$=\"/confirm\"] button').click(); true")
    check(a.wait("document.body.innerText.indexOf('RG') >= 0", 5), "A's confirmation names the subscription")
    a.shot(os.path.join(out, "xf-a-confirmed.png"))
    results = must(api("GET", f"/openings/{ev}/results", token), 200)
    check(sorted(r.get("unitCode") or r.get("code", "") for r in results["items"]) == sorted([x["code"], y["code"]]), "the results list both units once")
    shown = re.findall(r"[0-9a-f]{64}", re.sub(r"\s", "", a.js("document.body.innerText") or ""))
    check(shown == [results["logHash"]], f"A's confirmation shows the event's log hash (nothing came after it): {shown}")
finally:
    for p in (a, b):
        p.proc.kill()
print("opening race in two browsers:", "FAILED: " + "; ".join(failures) if failures else "all checks held")
sys.exit(1 if failures else 0)
